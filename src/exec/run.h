/* run.h — one run of a script, from loading it to the exit code: the main thread's work. It
 * owns the run: plan, runtimes, workers, the main loop, collection, stop, verdict, summary.
 * Exit codes (as k6's where they apply): 0 passed, 99 thresholds failed (also when abortOnFail
 * stopped the run), 104 invalid options, 105 interrupted by a signal, 107 script error,
 * 108 lt.abort(). */
#ifndef LT_EXEC_RUN_H
#define LT_EXEC_RUN_H
#include <stdbool.h>
#include <stdint.h>

enum {
    EXIT_OK = 0,
    EXIT_USAGE = 2,
    EXIT_THRESHOLDS = 99,
    EXIT_CONFIG = 104,
    EXIT_SIGNAL = 105,
    EXIT_SCRIPT = 107,
    EXIT_ABORTED = 108,
};

/* What a run is asked to do, as plain values (the command line's, parsed by src/cli/). Lists
 * are arrays of n strings; NULL or 0 where not given. */
typedef struct {
    const char *script;
    const char *lib_dir; /* lt's own lua/lib, for require */
    bool inspect;        /* lt inspect: print the resolved options, run nothing */
    const char *const *env_keys, *const *env_vals; /* -e, over the process environment */
    int nenv;
    const char *const *outs; /* --out */
    int nouts;
    const char *const *tag_keys, *const *tag_vals; /* --tag */
    int ntags;
    const char *const *scrape_urls, *const *scrape_filters; /* --scrape, --scrape-filter */
    int nscrape_urls, nscrape_filters;
    const char *summary_export;
    const char *ca_file;
    int threads; /* 0 = number of cores */
    int vus;     /* overrides of options: 0 / NULL = not given */
    const char *duration;
    long iterations;
    double time_scale;
    double schedule_precision; /* seconds; 0 = each start at its own wake-up */
    long max_tag_sets;
    const char *execution_segment, *execution_segment_sequence; /* k6's segment of the test */
    double start_at; /* unix seconds: the load (after setup) starts then; 0 = at once */
    uint64_t seed;
    bool seeded, no_thresholds, quiet, no_color;
    const char *user_agent; /* --user-agent; NULL = not given */
    signed char insecure, no_connection_reuse, no_vu_connection_reuse; /* as plan_overrides' */
    long batch, batch_per_host; /* --batch (0 = not given), --batch-per-host (-1 = not given) */
} run_config;

/* Runs the test (or, for inspect, prints its plan); returns the exit code. */
int run_command(const run_config *a);
#endif
