/* plan.h — from a script's `options` (as JSON) and the command line to a validated run plan.
 *
 * Promises: plan_build either returns a complete plan (every scenario with its executor, start
 * time, stages and VU counts resolved with k6's defaults, every threshold parsed) or fails with
 * one message naming the offending field ("scenarios.ramp.stages[2].target: must be a number >=
 * 0"). Nothing in a plan refers back to Lua. Durations in the plan are seconds, already multiplied
 * by the time scale; `resolved` keeps the options as the user wrote them, with defaults filled in,
 * for `lt inspect` and the summary. No arrival rate (rate, startRate or a stage's target, per
 * second) exceeds 1e9 iterations/s per scenario: a plan asking for more is refused.
 * plan_check_memory refuses a plan whose VUs cannot fit in the
 * memory the caller names (machine facts stay out of plan_build).
 */
#ifndef LT_PLAN_PLAN_H
#define LT_PLAN_PLAN_H
#include "metrics/threshold.h"
#include "plan/segment.h"
#include <cjson/cJSON.h>
#include <stdbool.h>

typedef enum {
    EX_CONSTANT_ARRIVAL_RATE,
    EX_RAMPING_ARRIVAL_RATE,
    EX_CONSTANT_VUS,
    EX_RAMPING_VUS,
    EX_PER_VU_ITERATIONS,
    EX_SHARED_ITERATIONS,
} executor_kind;
const char *executor_name(executor_kind k);

typedef struct {
    double duration; /* seconds, scaled */
    double target;   /* iterations per second for arrival rates, VUs for ramping-vus */
} stage;

typedef struct {
    int n;
    char **keys;
    char **vals;
} kv_list;

typedef struct {
    char *name;
    executor_kind kind;
    int index;
    double start_time, graceful_stop, duration, max_duration, graceful_ramp_down; /* seconds */
    double rate, start_rate; /* per second (rate / timeUnit) */
    double time_unit;        /* seconds, as written (not scaled) */
    int pre_allocated_vus, max_vus, vus, start_vus;
    bool queue_when_busy; /* arrival rates: a due start waits for a free VU instead of dropping */
    double schedule_precision; /* arrival rates, seconds: starts due within it share a wake-up */
    long iterations;
    stage *stages;
    int nstages;
    char *exec;     /* global function run per iteration ("default") */
    char *setup_fn; /* lt's per-scenario setup, or NULL */
    kv_list env, tags;
    /* --execution-segment (plan/segment.h): VU counts and iterations above are already this
     * instance's share; rate, startRate, stages and startVUs stay the whole test's, and these
     * say which of its VUs (ramping-vus) or iterations are this instance's (arrival rates: which
     * starts of the schedule it runs; every executor: its iterations' numbers in the whole
     * test, k6's iterationInTest).
     * NULL when the run is not segmented. no_share: the segment gets nothing of this scenario. */
    seg_tuple *vu_stripe, *iter_stripe;
    bool no_share;
} scenario_plan;

/* A plan's thresholds are metrics' threshold definitions (metrics/threshold.h). */
typedef threshold_def threshold_plan;

typedef struct {
    double at;
    char *exec; /* may be NULL: a tag change only */
    kv_list tags;
} timeline_entry;

/* Target scraping (src/scrape/): options.scrape, or --scrape and --scrape-filter, which replace
 * the script's lists as k6's flags replace options. No URL: no scraping. */
#define PLAN_SCRAPE_MAX 64 /* URLs, and metric patterns */
typedef struct {
    char **urls;
    int nurls;
    char **metrics; /* shell-style globs of metric names; none: every metric */
    int nmetrics;
} scrape_plan;

typedef struct {
    int nscenarios;
    scenario_plan *scenarios;
    int nthresholds;
    threshold_plan *thresholds;
    int ntimeline;
    timeline_entry *timeline;
    kv_list tags;
    bool discard_response_bodies, insecure_skip_tls_verify, no_thresholds;
    char *user_agent;            /* options.userAgent / --user-agent; "" sends none */
    bool no_connection_reuse;    /* every request on a new connection (k6's noConnectionReuse) */
    bool no_vu_connection_reuse; /* a VU's connections are closed after each iteration */
    int batch, batch_per_host;   /* http.batch: requests in flight at once, to one host (0: any) */
    double setup_timeout, teardown_timeout, time_scale;
    char **trend_stats; /* "avg", "min", "med", "max", "p(90)", ... */
    int ntrend_stats;
    long max_tag_sets; /* options.maxTagSets / --max-tag-sets: distinct tag sets before folding */
    scrape_plan scrape;
    cJSON *resolved; /* owned; the whole test's options, also when segmented */
    /* segmented runs only (else NULL): k6's "1/3:2/3" and the filled sequence "0,1/3,2/3,1",
     * and this instance's share of each scenario (for lt inspect) */
    char *execution_segment, *execution_segment_sequence;
    cJSON *share;
    seg_tuple *tuple; /* the segment in its sequence (k6's ExecutionTuple): lt.vu.idInTest */
} plan;

/* Command-line overrides (k6's --vus/--duration/--iterations replace the scenarios with one). */
typedef struct {
    int vus;                   /* 0 = not given */
    const char *duration;      /* NULL = not given */
    long iterations;           /* 0 = not given */
    double time_scale;         /* 1 when not given */
    double schedule_precision; /* --schedule-precision, s: the scenarios' default (0) */
    bool no_thresholds;
    long max_tag_sets;                                      /* 0 = not given */
    const char *const *scrape_urls, *const *scrape_metrics; /* --scrape, --scrape-filter */
    int nscrape_urls, nscrape_metrics;
    const char *user_agent; /* NULL = not given; "" = send no User-Agent */
    /* over the script's option: 1 on, -1 off (k6's --flag=false, K6_...=false), 0 not given */
    signed char no_connection_reuse, no_vu_connection_reuse;
    signed char insecure_skip_tls_verify; /* --insecure-skip-tls-verify */
    long batch;                           /* --batch; 0 = not given */
    long batch_per_host;                  /* --batch-per-host (0 = no limit per host) ... */
    bool batch_per_host_given;            /* ... when this is true */
    /* --execution-segment, --execution-segment-sequence (NULL = not given: the options' own
     * executionSegment / executionSegmentSequence, if any) */
    const char *execution_segment, *execution_segment_sequence;
} plan_overrides;

/* Builds the plan from `options` (may be NULL: k6's default of one iteration on one VU).
 * Returns NULL with a message in err. `options` is not modified or kept. */
plan *plan_build(const cJSON *options, const plan_overrides *ov, char *err, size_t errlen);
void plan_free(plan *p);
/* Scales every scenario of p to the segment (plan_segment.c): called by plan_build after the
 * whole test's options are resolved. 0, or -1 with a message naming the option. */
int plan_apply_segment(plan *p, const char *segment, const char *sequence, char *err,
                       size_t errlen);
/* options.scrape with the overrides' lists (scrape_options.c); -1 with err naming the field. */
int plan_parse_scrape(const cJSON *options, const plan_overrides *ov, scrape_plan *out, char *err,
                      size_t errlen);
void scrape_plan_free(scrape_plan *s);
/* The part of an arrival-rate scenario's starts this execution segment runs (its stripe's m/lcd;
 * 0 with no share; 1 when not segmented): the instance's target rate is the rate times this. */
double scenario_rate_share(const scenario_plan *s);
/* Of the first `whole` starts of the schedule, how many this segment runs (whole when not
 * segmented): exact, so the instances' planned iterations add up to the schedule's. */
long scenario_starts_share(const scenario_plan *s, long whole);
/* End of the last scenario's duration plus its graceful stop, in seconds (scaled). */
double plan_total_duration(const plan *p);
/* Seconds from the scenario's start to the end of its schedule (without gracefulStop). */
double scenario_duration(const scenario_plan *s);
const char *kv_get(const kv_list *kv, const char *key);

/* Every key plan_build accepts, one table per place it is written: "options" (top level),
 * "scenario" (any executor), an executor's name (its own keys), "stage", "threshold" (the table
 * form) and "timeline" (an entry). Ends with {NULL, NULL}. tests/unit/test_options_walk.c shows
 * that each key changes the plan; a key added here without such a proof fails that test. */
typedef struct {
    const char *where;
    const char *const *keys; /* NULL-terminated */
} plan_key_table;
const plan_key_table *plan_key_tables(void);
/* k6's names lt refuses with "... is not supported by lt" (exit 104) rather than "unknown":
 * top-level options ("options"), scenario keys ("scenario") and executors ("executor"). */
const plan_key_table *plan_unsupported_k6_keys(void);

/* The least memory one VU takes (its Lua coroutine, tables and connection pool; measured 4.3 KB
 * with no connection, 6.6 KB with one: tests/bench P4). */
#define PLAN_VU_BYTES 4096
/* The most VUs alive at once over the run (with_max: arrival rates at maxVUs rather than
 * preAllocatedVUs). */
long plan_peak_vus(const plan *p, bool with_max);
/* Refuses a plan whose VUs cannot fit in limit_bytes (the machine's or the process's memory,
 * described by limit_what), naming how much they need. 0 or -1 with err. */
int plan_check_memory(const plan *p, double limit_bytes, const char *limit_what, char *err,
                      size_t errlen);
#endif
