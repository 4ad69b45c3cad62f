/* run_internal.h — what run.c (the phases of a run) shares with run_loop.c (its main loop):
 * the run's context and the signal state. Not for other modules. */
#ifndef LT_EXEC_RUN_INTERNAL_H
#define LT_EXEC_RUN_INTERNAL_H
#include "exec/run.h"
#include "exec/run_host.h"
#include "exec/worker.h"
#include "metrics/error_tally.h"
#include "output/output.h"
#include "output/progress.h"
#include "output/timeline.h"
#include "plan/plan.h"
#include "scrape/scrape.h"
#include "vu/runtime.h"
#include <signal.h>
#include <stdbool.h>

typedef struct {
    const run_config *args;
    run_shared sh;
    plan *plan;
    runtime *ctl;
    worker **workers;
    int nworkers;
    output **outputs;
    int nouts;
    progress *prog;
    struct scraper *scraper; /* --scrape / options.scrape: see the "target scraping" section */
    store *total, *interval;
    int *participants;
    bool *started;
    bool stopping, hard;
    int exit_code;
    double t0, t_end, next_collect, last_collect;
    uint32_t run_tags_id;
    error_tally *errors; /* the workers' iteration errors, merged once they are joined */
    char *script_shown;  /* the script path as the summary and outputs write it: valid UTF-8 */
    timeline *tl;        /* the summary's per-interval series (output/timeline.h) */
} run_ctx;

/* Signals seen (SIGINT, SIGTERM), and the eventfds a signal writes to wake the main loop and the
 * control calls (setup, teardown, timeline). */
extern volatile sig_atomic_t g_signals;
extern int g_wake_fd;
extern int g_signal_fd;

void install_signals(void);
/* 0 when a --start-at time is usable (at most 1 s past, 24 h ahead), else -1 with a message. */
int check_start_at(double at, char *err, size_t errlen);
/* Sleeps until the wall-clock time `at`, or a signal. */
void wait_for_start_at(double at);
/* The interval's samples from the workers, the control runtime and the scraper into r->interval
 * (then the run's totals, the timeline and the outputs); final: after the workers stopped, with
 * no VU gauges. */
void collect(run_ctx *r, double now, bool final);
/* Tells every scenario to stop, after its gracefulStop or at once (hard); `code`, when not 0,
 * becomes the run's exit code if this is the first stop. A second graceful stop does nothing. */
void stop_all(run_ctx *r, bool hard, int code);
/* Runs until every scenario finished or the run was stopped. */
void main_loop(run_ctx *r);
#endif
