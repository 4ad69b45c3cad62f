/* test_plan.c — options -> plan: k6 defaults, every validation error names its field, time
 * scale; the arrival-rate curves and ramping-VU targets the executors schedule from. */
#include "exec/sched.h"
#include "plan/plan.h"
#include "t.h"
#include <math.h>
#include <string.h>

static plan *build(const char *json, double scale, char *err) {
    cJSON *o = cJSON_Parse(json);
    plan_overrides ov = {.time_scale = scale};
    plan *p = plan_build(o, &ov, err, 256);
    cJSON_Delete(o);
    return p;
}

static void expect_error(const char *json, const char *needle) {
    char err[256] = "";
    plan *p = build(json, 1, err);
    T_CHECK(p == NULL, "accepted %s", json);
    T_CHECK(strstr(err, needle) != NULL, "error for %s is '%s', wanted '%s'", json, err, needle);
    plan_free(p);
}

static void test_defaults(void) {
    char err[256];
    plan *p = build("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":500,"
                    "\"timeUnit\":\"1m\",\"duration\":\"2m\",\"preAllocatedVUs\":20}}}",
                    1, err);
    T_CHECK(p != NULL, "%s", err);
    if (!p) return;
    const scenario_plan *s = &p->scenarios[0];
    T_CHECK(fabs(s->rate - 500.0 / 60) < 1e-9, "rate per second %g", s->rate);
    T_CHECK(s->duration == 120, "duration %g", s->duration);
    T_CHECK(s->graceful_stop == 30, "gracefulStop default %g", s->graceful_stop);
    T_CHECK(s->max_vus == 20, "maxVUs defaults to preAllocatedVUs: %d", s->max_vus);
    T_CHECK(strcmp(s->exec, "default") == 0, "exec default %s", s->exec);
    const cJSON *r = cJSON_GetObjectItem(cJSON_GetObjectItem(p->resolved, "scenarios"), "s");
    T_CHECK(cJSON_GetObjectItem(r, "rate")->valuedouble == 500, "resolved keeps the written rate");
    T_CHECK(strcmp(cJSON_GetObjectItem(r, "timeUnit")->valuestring, "1m0s") == 0,
            "resolved timeUnit %s", cJSON_GetObjectItem(r, "timeUnit")->valuestring);
    plan_free(p);

    p = build(NULL, 1, err); /* no options at all: one VU, one iteration, as k6 */
    T_CHECK(p && p->nscenarios == 1 && p->scenarios[0].kind == EX_PER_VU_ITERATIONS &&
                p->scenarios[0].iterations == 1 && p->scenarios[0].vus == 1,
            "k6's default run");
    plan_free(p);

    p = build("{\"vus\":5,\"duration\":\"10s\"}", 1, err);
    T_CHECK(p && p->scenarios[0].kind == EX_CONSTANT_VUS && p->scenarios[0].vus == 5,
            "shortcut vus+duration");
    plan_free(p);
}

static void test_time_scale(void) {
    char err[256];
    plan *p = build("{\"scenarios\":{\"s\":{\"executor\":\"ramping-arrival-rate\",\"startRate\":17,"
                    "\"preAllocatedVUs\":1,\"startTime\":\"10s\",\"stages\":[{\"duration\":\"2m\","
                    "\"target\":84}]}},\"timeline\":[{\"at\":\"60s\",\"tags\":{\"phase\":\"x\"}}]}",
                    0.1, err);
    T_CHECK(p != NULL, "%s", err);
    if (!p) return;
    T_CHECK(fabs(p->scenarios[0].start_time - 1) < 1e-9, "startTime scaled: %g",
            p->scenarios[0].start_time);
    T_CHECK(fabs(p->scenarios[0].stages[0].duration - 12) < 1e-9, "stage scaled");
    T_CHECK(p->scenarios[0].stages[0].target == 84, "rates are not scaled");
    T_CHECK(fabs(p->timeline[0].at - 6) < 1e-9, "timeline scaled");
    T_CHECK(fabs(plan_total_duration(p) - (1 + 12 + 3)) < 1e-9, "total %g", plan_total_duration(p));
    plan_free(p);
}

static void test_errors(void) {
    /* A typo in a threshold's scenario selector is refused before the run, not found as "no
     * data" after it. */
    expect_error(
        "{\"scenarios\":{\"shallow\":{\"executor\":\"constant-vus\",\"duration\":\"1s\"},"
        "\"deep\":{\"executor\":\"constant-vus\",\"duration\":\"1s\"}},"
        "\"thresholds\":{\"http_req_duration{scenario:shalow}\":[\"p(99)<200\"]}}",
        "thresholds[\"http_req_duration{scenario:shalow}\"]: no scenario is named 'shalow' "
        "(scenarios: ");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"nope\"}}}",
                 "scenarios.s.executor: unknown executor 'nope'");
    expect_error("{\"scenarios\":{\"s\":{\"rate\":1}}}", "scenarios.s.executor: missing");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-vus\",\"duration\":\"1x\"}}}",
                 "scenarios.s.duration");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-vus\"}}}",
                 "scenarios.s.duration: missing");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":0,"
                 "\"duration\":\"1s\",\"preAllocatedVUs\":1}}}",
                 "scenarios.s.rate: must be > 0");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":1,"
                 "\"duration\":\"1s\"}}}",
                 "preAllocatedVUs: missing");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":1,"
                 "\"duration\":\"1s\",\"preAllocatedVUs\":5,\"maxVUs\":2}}}",
                 "maxVUs: 2 is less than preAllocatedVUs 5");
    expect_error(
        "{\"scenarios\":{\"s\":{\"executor\":\"constant-vus\",\"duration\":\"1s\",\"vus\":1.5}}}",
        "scenarios.s.vus: must be a whole number");
    expect_error(
        "{\"scenarios\":{\"s\":{\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":\"1s\"}]}}}",
        "stages[1].target: missing");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":"
                 "\"1s\",\"target\":1,\"x\":1}]}}}",
                 "stages[1]: unknown key 'x'");
    expect_error(
        "{\"scenarios\":{\"s\":{\"executor\":\"constant-vus\",\"duration\":\"1s\",\"rate\":3}}}",
        "scenarios.s.rate: unknown option for executor constant-vus");
    expect_error("{\"thresholds\":{\"http_req_duration\":[\"p(99)<<1\"]}}",
                 "thresholds[\"http_req_duration\"][1]");
    expect_error("{\"thresholds\":{\"x{a\":[\"count>1\"]}}", "thresholds[\"x{a\"]");
    expect_error("{\"thresholds\":{\"x\":[{\"threshold\":\"count>1\",\"abortOnFail\":1}]}}",
                 "abortOnFail: must be true or false");
    expect_error("{\"timeline\":[{\"exec\":\"f\"}]}", "timeline[1].at: missing");
    expect_error("{\"foo\":1}", "options.foo: unknown option");
    /* found by fuzz_plan: a huge VU target overflowed an int */
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"ramping-vus\",\"stages\":[{\"duration\":"
                 "\"1s\",\"target\":5.6e75}]}}}",
                 "stages[1].target: 5.6e+75 VUs is more than lt runs");
    expect_error(
        "{\"scenarios\":{\"s\":{\"executor\":\"constant-vus\",\"duration\":\"1s\",\"vus\":1e11}}}",
        "scenarios.s.vus: 100000000000 VUs is more than lt runs");
}

/* k6 lib/executor/executors_test.go, configMapTestCases: every one-line case, by its line in
 * that file; k6's parse and validation errors are both a refused plan here (exit 104). */
static const struct {
    int k6_line;
    bool accepted;
    const char *scenarios;
} k6_config_cases[] = {
    {48, false, "{\"someKey\": {}}"},
    {49, false,
     "{\"someKey\": {\"executor\": \"constant-blah-blah\", \"vus\": 10, \"duration\": \"60s\"}}"},
    {50, false,
     "{\"someKey\": {\"executor\": \"constant-vus\", \"uknownField\": \"should_error\"}}"},
    {51, false,
     "{\"someKey\": {\"executor\": \"constant-vus\", \"vus\": 10, \"duration\": \"60s\", \"env\": "
     "123}}"},
    {97, true, "{\"aname\": {\"executor\": \"constant-vus\", \"duration\": \"60s\"}}"},
    {98, false, "{\"\": {\"executor\": \"constant-vus\", \"vus\": 10, \"duration\": \"60s\"}}"},
    {99, false, "{\"aname\": {\"executor\": \"constant-vus\"}}"},
    {100, false, "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 0.5}}"},
    {101, false, "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 10}}"},
    {102, false,
     "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 0, \"duration\": \"60s\"}}"},
    {103, false,
     "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": -1, \"duration\": \"60s\"}}"},
    {104, false,
     "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 10, \"duration\": \"0s\"}}"},
    {105, false,
     "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 10, \"duration\": \"10s\", "
     "\"startTime\": \"-10s\"}}"},
    {106, false,
     "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 10, \"duration\": \"10s\", \"exec\": "
     "\"\"}}"},
    {107, false,
     "{\"aname\": {\"executor\": \"constant-vus\", \"vus\": 10, \"duration\": \"10s\", "
     "\"gracefulStop\": \"-2s\"}}"},
    {194, false,
     "{\"varloops\": {\"executor\": \"ramping-vus\", \"startVUs\": 0, \"stages\": [{\"duration\": "
     "\"60s\", \"target\": 0}]}}"},
    {195, false,
     "{\"varloops\": {\"executor\": \"ramping-vus\", \"startVUs\": -1, \"stages\": [{\"duration\": "
     "\"60s\", \"target\": 30}]}}"},
    {196, false,
     "{\"varloops\": {\"executor\": \"ramping-vus\", \"startVUs\": 2, \"stages\": [{\"duration\": "
     "\"-60s\", \"target\": 30}]}}"},
    {197, false,
     "{\"varloops\": {\"executor\": \"ramping-vus\", \"startVUs\": 2, \"stages\": [{\"duration\": "
     "\"60s\", \"target\": -30}]}}"},
    {198, false,
     "{\"varloops\": {\"executor\": \"ramping-vus\", \"stages\": [{\"duration\": \"60s\"}]}}"},
    {199, false, "{\"varloops\": {\"executor\": \"ramping-vus\", \"stages\": [{\"target\": 30}]}}"},
    {200, false, "{\"varloops\": {\"executor\": \"ramping-vus\", \"stages\": []}}"},
    {201, false, "{\"varloops\": {\"executor\": \"ramping-vus\"}}"},
    {269, true, "{\"ishared\": {\"executor\": \"shared-iterations\"}}"},
    {270, true, "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": 20}}"},
    {271, false, "{\"ishared\": {\"executor\": \"shared-iterations\", \"vus\": 10}}"},
    {272, true,
     "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": 20, \"vus\": 10, "
     "\"maxDuration\": \"30m\"}}"},
    {273, false,
     "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": 20, \"vus\": 10, "
     "\"maxDuration\": \"-3m\"}}"},
    {274, false,
     "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": 20, \"vus\": 10, "
     "\"maxDuration\": \"0s\"}}"},
    {275, false,
     "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": 20, \"vus\": -10}}"},
    {276, false,
     "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": -1, \"vus\": 1}}"},
    {277, false,
     "{\"ishared\": {\"executor\": \"shared-iterations\", \"iterations\": 20, \"vus\": 30}}"},
    {305, true, "{\"ipervu\": {\"executor\": \"per-vu-iterations\"}}"},
    {306, true, "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"iterations\": 20}}"},
    {307, true, "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"vus\": 10}}"},
    {308, true,
     "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"iterations\": 20, \"vus\": 10}}"},
    {309, false,
     "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"iterations\": 20, \"vus\": 10, "
     "\"maxDuration\": \"-3m\"}}"},
    {310, false,
     "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"iterations\": 20, \"vus\": 10, "
     "\"maxDuration\": \"0s\"}}"},
    {311, false,
     "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"iterations\": 20, \"vus\": -10}}"},
    {312, false,
     "{\"ipervu\": {\"executor\": \"per-vu-iterations\", \"iterations\": -1, \"vus\": 1}}"},
    {343, true,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": "
     "\"10m\", \"preAllocatedVUs\": 20, \"maxVUs\": 30}}"},
    {344, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": "
     "\"10m\", \"preAllocatedVUs\": 20, \"maxVUs\": 30, \"timeUnit\": \"-1s\"}}"},
    {345, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": "
     "\"10m\", \"preAllocatedVUs\": 20, \"maxVUs\": 30, \"timeUnit\": \"0s\"}}"},
    {353, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": "
     "\"10m\", \"maxVUs\": 30}}"},
    {354, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"preAllocatedVUs\": "
     "20, \"maxVUs\": 30}}"},
    {355, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"duration\": \"10m\", "
     "\"preAllocatedVUs\": 20, \"maxVUs\": 30}}"},
    {356, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": \"0m\", "
     "\"preAllocatedVUs\": 20, \"maxVUs\": 30}}"},
    {357, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 0, \"duration\": \"10m\", "
     "\"preAllocatedVUs\": 20, \"maxVUs\": 30}}"},
    {358, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": "
     "\"10m\", \"preAllocatedVUs\": 20, \"maxVUs\": 15}}"},
    {359, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": \"0s\", "
     "\"preAllocatedVUs\": 20, \"maxVUs\": 25}}"},
    {360, false,
     "{\"carrival\": {\"executor\": \"constant-arrival-rate\", \"rate\": 10, \"duration\": "
     "\"10m\", \"preAllocatedVUs\": -2, \"maxVUs\": 25}}"},
    {395, true,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 20, \"maxVUs\": "
     "50, \"stages\": [{\"duration\": \"5m\", \"target\": 10}]}}"},
    {396, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": -20, "
     "\"maxVUs\": 50, \"stages\": [{\"duration\": \"5m\", \"target\": 10}]}}"},
    {397, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"startRate\": -1, "
     "\"preAllocatedVUs\": 20, \"maxVUs\": 50, \"stages\": [{\"duration\": \"5m\", \"target\": "
     "10}]}}"},
    {405, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"maxVUs\": 50, \"stages\": "
     "[{\"duration\": \"5m\", \"target\": 10}]}}"},
    {406, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 20, \"maxVUs\": "
     "50}}"},
    {407, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 20, \"maxVUs\": "
     "50, \"stages\": []}}"},
    {408, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 20, \"maxVUs\": "
     "50, \"stages\": [{\"duration\": \"5m\", \"target\": 10}], \"timeUnit\": \"-1s\"}}"},
    {409, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 20, \"maxVUs\": "
     "50, \"stages\": [{\"duration\": \"5m\", \"target\": 10}], \"timeUnit\": \"0s\"}}"},
    {410, false,
     "{\"varrival\": {\"executor\": \"ramping-arrival-rate\", \"preAllocatedVUs\": 30, \"maxVUs\": "
     "20, \"stages\": [{\"duration\": \"5m\", \"target\": 10}]}}"},
    {425, false,
     "{\"ui\": {\"executor\": \"shared-iterations\", \"iterations\": 22, \"vus\": 12, "
     "\"maxDuration\": \"100s\", \"options\": {\"unsupported\": {}}}}"},
};

static void test_k6_config_map(void) {
    for (size_t i = 0; i < sizeof k6_config_cases / sizeof *k6_config_cases; i++) {
        char json[512], err[256] = "";
        snprintf(json, sizeof json, "{\"scenarios\":%s}", k6_config_cases[i].scenarios);
        plan *p = build(json, 1, err);
        T_CHECK((p != NULL) == k6_config_cases[i].accepted, "k6 executors_test.go:%d %s: %s (%s)",
                k6_config_cases[i].k6_line, k6_config_cases[i].scenarios,
                p ? "accepted" : "refused", p ? "k6 refuses it" : err);
        plan_free(p);
    }
}

static void test_arrival_curves(void) {
    scenario_plan c = {.kind = EX_CONSTANT_ARRIVAL_RATE, .rate = 20, .duration = 1};
    arrival_cursor cur = {0};
    long n = 0;
    while (arrival_due(&c, n, &cur) >= 0) n++;
    T_CHECK(n == 20, "20/s for 1 s: %ld iterations", n);
    T_CHECK(fabs(arrival_due(&c, 7, &cur) - 0.35) < 1e-12, "i=7 due at 0.35 s");

    /* ramp 0 -> 100/s over 2 s, then 100/s for 1 s: 100 + 100 iterations */
    stage st[2] = {{2, 100}, {1, 100}};
    scenario_plan r = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 0, .stages = st, .nstages = 2};
    arrival_cursor rc = {0};
    n = 0;
    double prev = -1;
    bool monotonic = true;
    for (double d; (d = arrival_due(&r, n, &rc)) >= 0; n++) {
        if (d < prev) monotonic = false;
        prev = d;
    }
    T_CHECK(n == 200, "ramp then plateau: %ld iterations", n);
    T_CHECK(monotonic, "due times never go back");
    arrival_cursor fresh = {0};
    /* N(t) = 25 t^2 on the ramp: iteration 24 (the 25th, as k6 counts) is due at t = 1 */
    T_CHECK(fabs(arrival_due(&r, 24, &fresh) - 1.0) < 1e-9, "i=24 due at 1 s");
    arrival_cursor f2 = {0};
    T_CHECK(fabs(arrival_due(&r, 149, &f2) - 2.5) < 1e-9, "i=149 due at 2.5 s (plateau)");
    /* down-ramp 84 -> 17 over 60 s: (84+17)/2*60 = 3030 */
    stage down[1] = {{60, 17}};
    scenario_plan d = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 84, .stages = down, .nstages = 1};
    arrival_cursor dc = {0};
    n = 0;
    while (arrival_due(&d, n, &dc) >= 0) n++;
    T_CHECK(n == 3030, "down ramp: %ld", n);
}

/* The count of missed starts comes from arrival_integral: it must agree with arrival_due on every
 * curve shape (constant, ramp up, plateau, ramp down, a stage at rate 0). */
static void test_arrival_integral(void) {
    stage st[4] = {{2, 100}, {1, 100}, {1, 0}, {1, 0}};
    scenario_plan r = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 10, .stages = st, .nstages = 4};
    scenario_plan c = {.kind = EX_CONSTANT_ARRIVAL_RATE, .rate = 1e8, .duration = 1};
    const scenario_plan *curves[] = {&r, &c};
    for (int k = 0; k < 2; k++) {
        arrival_cursor cur = {0};
        double worst = 0;
        long n = 0;
        for (double d; (d = arrival_due(curves[k], n, &cur)) >= 0 && n < 1000000;
             n += k == 0 ? 1 : 997) {
            /* a ramping rate's i-th start is where its integral reaches i + 1 (k6) */
            double e = fabs(arrival_integral(curves[k], d) - (double)(n + (k == 0)));
            if (e > worst) worst = e;
        }
        T_CHECK(worst < 1e-6, "curve %d: integral at due(i) is i (+1 ramping), worst error %g", k,
                worst);
    }
    T_CHECK(fabs(arrival_integral(&r, 1e9) - 260) < 1e-9, "ramp: 110 + 100 + 50 + 0 = %g",
            arrival_integral(&r, 1e9));
    T_CHECK(arrival_integral(&c, 5) == 1e8, "constant: capped at the duration");
}

static void test_participants(void) {
    /* ramping-vus' VU counts over time: tests/unit/test_k6_executors.c (k6's step lists) */
    scenario_plan one = {.kind = EX_CONSTANT_ARRIVAL_RATE, .max_vus = 1};
    T_CHECK(sched_participants(&one, 4) == 1, "maxVUs 1 runs on one thread only");
    scenario_plan many = {.kind = EX_CONSTANT_ARRIVAL_RATE, .max_vus = 60};
    T_CHECK(sched_participants(&many, 2) == 2, "maxVUs 60 on both threads");
}

/* issue 10: rates no machine can schedule are refused up front, naming the field and the limit;
 * queueWhenBusy is lt's own key, accepted on arrival-rate executors only. */
static void test_rate_ceiling_and_queue(void) {
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":1e12,"
                 "\"duration\":\"1s\",\"preAllocatedVUs\":1}}}",
                 "scenarios.s.rate: 1e+12 per 1s is 1e+12 iterations/s, above lt's ceiling of "
                 "1e+09 iterations/s");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":2,"
                 "\"timeUnit\":\"1ns\",\"duration\":\"1s\",\"preAllocatedVUs\":1}}}",
                 "scenarios.s.rate: 2 per 1ns is 2e+09 iterations/s, above lt's ceiling");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"ramping-arrival-rate\",\"startRate\":2e9,"
                 "\"preAllocatedVUs\":1,\"stages\":[{\"duration\":\"1s\",\"target\":1}]}}}",
                 "scenarios.s.startRate: 2e+09 per 1s");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"ramping-arrival-rate\",\"startRate\":1,"
                 "\"preAllocatedVUs\":1,\"stages\":[{\"duration\":\"1s\",\"target\":1},"
                 "{\"duration\":\"1s\",\"target\":5e9}]}}}",
                 "scenarios.s.stages[2].target: 5e+09 per 1s");
    char err[256] = "";
    plan *p = build("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":1e9,"
                    "\"duration\":\"1s\",\"preAllocatedVUs\":1}}}",
                    1, err);
    T_CHECK(p != NULL, "the ceiling itself is allowed: %s", err);
    T_CHECK(p && !p->scenarios[0].queue_when_busy, "queueWhenBusy defaults to false");
    plan_free(p);
    p = build("{\"scenarios\":{\"s\":{\"executor\":\"ramping-arrival-rate\",\"queueWhenBusy\":true,"
              "\"preAllocatedVUs\":1,\"stages\":[{\"duration\":\"1s\",\"target\":1}]}}}",
              1, err);
    T_CHECK(p && p->scenarios[0].queue_when_busy, "queueWhenBusy = true: %s", err);
    T_CHECK(p && cJSON_IsTrue(cJSON_GetObjectItem(
                     cJSON_GetObjectItem(cJSON_GetObjectItem(p->resolved, "scenarios"), "s"),
                     "queueWhenBusy")),
            "resolved options (lt inspect) show queueWhenBusy");
    plan_free(p);
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-arrival-rate\",\"rate\":1,"
                 "\"queueWhenBusy\":1,\"duration\":\"1s\",\"preAllocatedVUs\":1}}}",
                 "scenarios.s.queueWhenBusy: must be true or false");
    expect_error("{\"scenarios\":{\"s\":{\"executor\":\"constant-vus\",\"duration\":\"1s\","
                 "\"queueWhenBusy\":true}}}",
                 "scenarios.s.queueWhenBusy: unknown option for executor constant-vus");
}

/* VUs alive at once: overlapping scenarios add up, sequential ones do not; arrival rates count
 * their preAllocatedVUs (maxVUs only with with_max); refusal names the need and the limit. */
static void test_memory(void) {
    char err[512];
    plan *p = build("{\"scenarios\":{"
                    "\"a\":{\"executor\":\"constant-vus\",\"vus\":100,\"duration\":\"10s\","
                    "\"gracefulStop\":\"0s\"},"
                    "\"b\":{\"executor\":\"constant-vus\",\"vus\":300,\"duration\":\"10s\","
                    "\"startTime\":\"20s\"},"
                    "\"c\":{\"executor\":\"constant-arrival-rate\",\"rate\":10,\"duration\":\"5s\","
                    "\"preAllocatedVUs\":50,\"maxVUs\":1000,\"startTime\":\"25s\"}}}",
                    1, err);
    T_CHECK(p != NULL, "%s", err);
    if (!p) return;
    T_CHECK(plan_peak_vus(p, false) == 350, "peak %ld, wanted b+c = 350", plan_peak_vus(p, false));
    T_CHECK(plan_peak_vus(p, true) == 1300, "with maxVUs %ld", plan_peak_vus(p, true));
    T_CHECK(plan_check_memory(p, 350.0 * PLAN_VU_BYTES, "x", err, sizeof err) == 0, "fits");
    T_CHECK(plan_check_memory(p, 349.0 * PLAN_VU_BYTES, "the test limit", err, sizeof err) != 0,
            "does not fit");
    T_CHECK(strstr(err, "350 VUs") && strstr(err, "the test limit"), "message: %s", err);
    T_CHECK(plan_check_memory(p, 0, "unknown", err, sizeof err) == 0, "no limit known: accepted");
    plan_free(p);
}

int main(void) {
    test_memory();
    test_defaults();
    test_time_scale();
    test_errors();
    test_k6_config_map();
    test_arrival_curves();
    test_arrival_integral();
    test_participants();
    test_rate_ceiling_and_queue();
    return T_DONE();
}
