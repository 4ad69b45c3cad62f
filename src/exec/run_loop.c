/* run_loop.c — a run's main thread while the load runs (run_internal.h): signals, starting
 * scenarios and timeline actions when due, collecting the workers' stores each interval, the
 * progress line, abortOnFail thresholds, and the stop (graceful, then hard). */
#include "exec/run_internal.h"
#include "exec/run.h"
#include "exec/run_host.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "exec/sched.h"
#include "exec/worker.h"
#include "metrics/evaluate.h"
#include "output/output.h"
#include "output/progress.h"
#include "scrape/scrape.h"
#include "output/summary.h"
#include "output/summary_write.h"
#include "output/timeline.h"
#include "vu/runtime.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>

volatile sig_atomic_t g_signals;
int g_wake_fd = -1;
int g_signal_fd = -1; /* readable after a signal: wakes setup/teardown/timeline calls */

static void on_signal(int sig) {
    (void)sig;
    g_signals++;
    if (g_wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(g_wake_fd, &one, sizeof one);
        (void)r;
    }
    if (g_signal_fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(g_signal_fd, &one, sizeof one);
        (void)r;
    }
}

void install_signals(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a peer closing a socket is an error to count, not a way to die */
}

/* When running iterations of scenario i must end, for the watchdog that interrupts Lua that does
 * not yield (vu/preempt.h): only ever moved earlier. A scenario not started yet gets `at` too. */
static void publish_deadline(run_ctx *r, int i, double at) {
    double d = atomic_load(&r->sh.scenarios[i].deadline);
    if (d <= 0 || at < d) atomic_store(&r->sh.scenarios[i].deadline, at);
}

void stop_all(run_ctx *r, bool hard, int code) {
    if (!r->stopping && code) r->exit_code = code;
    if (r->stopping && (!hard || r->hard)) return;
    double now = lt_now();
    for (int i = 0; i < r->plan->nscenarios; i++)
        publish_deadline(r, i, hard ? now : now + r->plan->scenarios[i].graceful_stop);
    r->stopping = true;
    atomic_store(&r->sh.stopping, true);
    if (hard) r->hard = true;
    for (int i = 0; i < r->nworkers; i++) worker_stop(r->workers[i], hard);
}

/* The progress lines get each scenario's counts as plain numbers, read from the atomics here. */
static void show_progress(run_ctx *r, double now) {
    int n = r->plan->nscenarios;
    progress_counts counts[n > 0 ? n : 1];
    for (int i = 0; i < n; i++) {
        const scenario_shared *ss = &r->sh.scenarios[i];
        counts[i] = (progress_counts){.iterations = atomic_load(&ss->iterations_done),
                                      .dropped = atomic_load(&ss->dropped),
                                      .active_vus = atomic_load(&ss->active_vus),
                                      .alloc_vus = atomic_load(&ss->alloc_vus)};
    }
    progress_update(r->prog, now - r->t0, counts, r->interval, r->total);
}

static bool scraper_keeps(int metric, void *arg) {
    return scraper_keeps_metric(arg, metric);
}

/* The summary's timeline gets each scenario's start and VUs as plain numbers, read here, and
 * asks the scraper (if any) which gauges are scraped. */
static void collect_timeline(run_ctx *r, double now, bool final) {
    if (!r->tl) return;
    int n = r->plan->nscenarios;
    double start_s[n ? n : 1];
    int vus[n ? n : 1];
    for (int i = 0; i < n; i++) {
        start_s[i] = r->sh.scenarios[i].t0 - r->sh.run_t0;
        vus[i] = atomic_load(&r->sh.scenarios[i].active_vus);
    }
    timeline_scenarios sc = {r->started, start_s, vus};
    timeline_collect(r->tl, now - r->t0, r->interval, &sc, r->scraper ? scraper_keeps : NULL,
                     r->scraper, final);
}

void collect(run_ctx *r, double now, bool final) {
    store_clear(r->interval);
    for (int i = 0; i < r->nworkers; i++)
        metrics_shard_collect(worker_shard(r->workers[i]), r->interval);
    metrics_shard_flush(r->ctl->shard);
    metrics_shard_collect(r->ctl->shard, r->interval);
    if (r->scraper) scraper_collect(r->scraper, r->interval);
    if (!final) { /* after the run every VU is gone: a last 0 would say nothing */
        double vus = atomic_load(&r->sh.vus_active), vus_max = atomic_load(&r->sh.vus_max);
        store_add(r->interval, M_VUS, r->run_tags_id, vus);
        store_add(r->interval, M_VUS_MAX, r->run_tags_id, vus_max);
        if (samples_enabled()) { /* the control runtime's ring: this (main) thread's */
            samples_record(&r->ctl->raw, M_VUS, r->run_tags_id, vus, now);
            samples_record(&r->ctl->raw, M_VUS_MAX, r->run_tags_id, vus_max, now);
        }
    }
    store_merge(r->total, r->interval);
    double wall = r->sh.wall_t0 + (now - r->t0);
    double dt = now - r->last_collect;
    r->last_collect = now;
    for (int i = 0; i < r->nouts; i++)
        if (r->outputs[i]->interval)
            r->outputs[i]->interval(r->outputs[i], wall, dt, r->interval, r->total);
    if (r->prog) show_progress(r, now);
    collect_timeline(r, now, final);
}

/* abortOnFail thresholds, checked at each collection once their delayAbortEval has passed. */
static void check_abort_thresholds(run_ctx *r, double now) {
    const plan *p = r->plan;
    if (p->no_thresholds || r->stopping) return;
    bool any = false;
    for (int i = 0; i < p->nthresholds; i++) any |= p->thresholds[i].abort_on_fail;
    if (!any) return;
    threshold_result res[p->nthresholds ? p->nthresholds : 1];
    thresholds_evaluate(p->thresholds, p->nthresholds, r->total, now - r->t0, res);
    for (int i = 0; i < p->nthresholds; i++) {
        const threshold_plan *t = &p->thresholds[i];
        /* crossed, not "no data yet": a sub-metric whose samples have not come stops nothing */
        if (t->abort_on_fail && threshold_crossed(&res[i]) && now - r->t0 >= t->delay_abort_eval) {
            fprintf(stderr,
                    "lt: threshold %s '%s' crossed (observed %g): aborting the run (abortOnFail)\n",
                    t->metric_src, t->expr_src, res[i].observed);
            stop_all(r, false, EXIT_THRESHOLDS);
            return;
        }
    }
}

static bool all_finished(run_ctx *r) {
    for (int i = 0; i < r->plan->nscenarios; i++) {
        if (!r->started[i]) {
            if (!r->stopping) return false;
            continue;
        }
        if (atomic_load(&r->sh.scenarios[i].workers_done) < r->participants[i]) return false;
    }
    return true;
}

static void start_due_scenarios(run_ctx *r, double now, double *next_event) {
    const plan *p = r->plan;
    for (int i = 0; i < p->nscenarios; i++) {
        if (r->started[i] || r->stopping) continue;
        const scenario_plan *s = &p->scenarios[i];
        double at = r->t0 + s->start_time;
        if (now < at) {
            if (at < *next_event) *next_event = at;
            continue;
        }
        double t0 = at;
        if (s->setup_fn) {
            char err[1024];
            if (runtime_call(r->ctl, s->setup_fn, true, p->setup_timeout, NULL, err, sizeof err) !=
                0) {
                fprintf(stderr, "lt: scenario %s: setup %s\n", s->name, err);
                stop_all(r, false, EXIT_SCRIPT);
                return;
            }
            t0 = lt_now();
        }
        r->sh.scenarios[i].t0 = t0;
        publish_deadline(r, i, t0 + scenario_duration(s) + s->graceful_stop);
        r->started[i] = true;
        for (int w = 0; w < r->participants[i]; w++) worker_start_scenario(r->workers[w], i);
    }
}

static int timeline_run(run_ctx *r, int next, double now, double *next_event) {
    const plan *p = r->plan;
    while (next < p->ntimeline && !r->stopping) {
        const timeline_entry *e = &p->timeline[next];
        double at = r->t0 + e->at;
        if (now < at) {
            if (at < *next_event) *next_event = at;
            break;
        }
        timeline_event(r->tl, lt_now() - r->t0, e->exec, &e->tags); /* after a slow action too */
        if (e->exec) {
            char err[1024];
            if (runtime_call(r->ctl, e->exec, true, p->setup_timeout, NULL, err, sizeof err) != 0)
                fprintf(stderr, "lt: timeline at %.1fs: %s (the run goes on)\n", e->at, err);
        }
        next++;
    }
    return next;
}

static void wait_for(double until) {
    double ms = (until - lt_now()) * 1000;
    if (ms < 0) ms = 0;
    if (ms > 1000) ms = 1000;
    struct pollfd pfd = {.fd = g_wake_fd, .events = POLLIN};
    if (poll(&pfd, 1, (int)ceil(ms)) > 0) {
        uint64_t v;
        ssize_t n = read(g_wake_fd, &v, sizeof v);
        (void)n;
    }
}

/* --start-at: instances on several machines start their load together (their clocks kept by
 * NTP); a time more than a second past, or more than a day ahead, is a mistake. */
int check_start_at(double at, char *err, size_t errlen) {
    double now = lt_wall_now();
    if (at < now - 1) {
        snprintf(err, errlen, "--start-at: %.3f is %.1f s in the past", at, now - at);
        return -1;
    }
    if (at > now + 86400) {
        snprintf(err, errlen, "--start-at: %.3f is more than 24 h ahead (%.0f s)", at, at - now);
        return -1;
    }
    return 0;
}

/* Waits (after setup, workers ready) for the wall clock to reach `at`; a signal ends the wait
 * and the main loop then stops the run as usual. */
void wait_for_start_at(double at) {
    double left = at - lt_wall_now();
    if (left < 0) {
        fprintf(stderr, "lt: --start-at passed %.3f s ago (setup took longer); starting now\n",
                -left);
        return;
    }
    while (!g_signals && (left = at - lt_wall_now()) > 0) {
        struct pollfd pfd = {.fd = g_signal_fd, .events = POLLIN};
        int ms = left > 1 ? 1000 : (int)ceil(left * 1000);
        (void)poll(&pfd, 1, ms);
    }
}

/* lt.abort() anywhere (a VU, a timeline action, a scenario setup): stop at once, exit 108. */
static void check_script_abort(run_ctx *r) {
    if (!atomic_load(&r->sh.aborted) || r->hard) return;
    fprintf(stderr, "lt: test aborted by the script: %s\n", r->sh.abort_reason);
    if (!r->stopping || r->exit_code != EXIT_ABORTED) {
        r->stopping = false;
        stop_all(r, true, EXIT_ABORTED);
        r->exit_code = EXIT_ABORTED;
    }
}

void main_loop(run_ctx *r) {
    int next_tl = 0;
    int seen_signals = 0;
    for (;;) {
        double now = lt_now();
        if (g_signals != seen_signals) {
            seen_signals = g_signals;
            if (seen_signals == 1)
                fprintf(stderr, "\nlt: stopping: running iterations get their gracefulStop (Ctrl-C "
                                "again to stop now)\n");
            else
                fprintf(stderr, "\nlt: stopping now\n");
            stop_all(r, seen_signals >= 2, EXIT_SIGNAL);
        }
        check_script_abort(r);
        double next_event = r->next_collect;
        start_due_scenarios(r, now, &next_event);
        next_tl = timeline_run(r, next_tl, lt_now(), &next_event);
        now = lt_now();
        if (now >= r->next_collect) {
            collect(r, now, false);
            check_abort_thresholds(r, now);
            r->next_collect += 1.0;
            if (r->next_collect < now) r->next_collect = now + 1.0;
        }
        if (all_finished(r)) {
            /* An iteration that aborts is often the last one: its worker sets `aborted` before it
             * counts the scenario finished, so seeing every worker done means the flag is seen
             * here too, even when the check at the top of this pass came too early. */
            check_script_abort(r);
            break;
        }
        wait_for(next_event < r->next_collect ? next_event : r->next_collect);
    }
}
