/* run.c — the main thread of a run: load, plan, setup, workers, verdict, summary (its loop while
 * the load runs: run_loop.c). */
#include "exec/handle_summary.h"
#include "exec/run.h"
#include "exec/run_host.h"
#include "exec/run_internal.h"
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

static int check_functions(runtime *ctl, const plan *p, char *err, size_t errlen) {
    for (int i = 0; i < p->nscenarios; i++) {
        const scenario_plan *s = &p->scenarios[i];
        if (!runtime_has_function(ctl, s->exec)) {
            snprintf(err, errlen, "scenarios.%s.exec: the script has no function '%s'", s->name,
                     s->exec);
            return -1;
        }
        if (s->setup_fn && !runtime_has_function(ctl, s->setup_fn)) {
            snprintf(err, errlen, "scenarios.%s.setup: the script has no function '%s'", s->name,
                     s->setup_fn);
            return -1;
        }
    }
    for (int i = 0; i < p->ntimeline; i++)
        if (p->timeline[i].exec && !runtime_has_function(ctl, p->timeline[i].exec)) {
            snprintf(err, errlen, "timeline[%d].exec: the script has no function '%s'", i + 1,
                     p->timeline[i].exec);
            return -1;
        }
    return 0;
}

/* ---------------- target scraping (scrape/scrape.h) ----------------
 * Its URLs and metric patterns are the plan's (options.scrape, --scrape, --scrape-filter). */

static int setup_scraper(run_ctx *r, char *err, size_t errlen) {
    const scrape_plan *sp = &r->plan->scrape;
    if (!sp->nurls) return 0;
    char e[512];
    r->scraper = scraper_new((const char *const *)sp->urls, sp->nurls,
                             (const char *const *)sp->metrics, sp->nmetrics, e, sizeof e);
    if (!r->scraper) return snprintf(err, errlen, "scrape: %s", e), -1;
    return 0;
}

/* ---------------- phases ---------------- */

static int load_plan(run_ctx *r, char *err, size_t errlen) {
    const run_config *a = r->args;
    cJSON *opts = NULL;
    if (runtime_options(r->ctl, &opts, err, errlen) != 0) return -1;
    plan_overrides ov = {.vus = a->vus,
                         .duration = a->duration,
                         .iterations = a->iterations,
                         .time_scale = a->time_scale,
                         .schedule_precision = a->schedule_precision,
                         .no_thresholds = a->no_thresholds,
                         .max_tag_sets = a->max_tag_sets,
                         .scrape_urls = a->scrape_urls,
                         .nscrape_urls = a->nscrape_urls,
                         .scrape_metrics = a->scrape_filters,
                         .nscrape_metrics = a->nscrape_filters,
                         .user_agent = a->user_agent,
                         .no_connection_reuse = a->no_connection_reuse,
                         .no_vu_connection_reuse = a->no_vu_connection_reuse,
                         .insecure_skip_tls_verify = a->insecure,
                         .batch = a->batch,
                         .batch_per_host = a->batch_per_host,
                         .batch_per_host_given = a->batch_per_host >= 0,
                         .execution_segment = a->execution_segment,
                         .execution_segment_sequence = a->execution_segment_sequence};
    r->plan = plan_build(opts, &ov, err, errlen);
    cJSON_Delete(opts);
    if (!r->plan) return -1;
    if (thresholds_validate(r->plan->thresholds, r->plan->nthresholds, err, errlen) != 0) return -1;
    if (run_check_memory(r->plan, err, errlen) != 0) return -1;
    /* the warning comes at a tenth of the cap, the cap's message at the cap (metrics.h) */
    metrics_limit_tagsets(
        (uint32_t)r->plan->max_tag_sets,
        (uint32_t)(r->plan->max_tag_sets / 10 > 0 ? r->plan->max_tag_sets / 10 : 1));
    return check_functions(r->ctl, r->plan, err, errlen);
}

static int start_outputs(run_ctx *r, char *err, size_t errlen) {
    const run_config *a = r->args;
    /* The summary is written after the run: a path it cannot take must stop the run now. */
    if (a->summary_export && strcmp(a->summary_export, "-") != 0) {
        char e[512];
        if (output_path_check(a->summary_export, e, sizeof e) != 0) {
            snprintf(err, errlen, "--summary-export %s: %s", a->summary_export, e);
            return -1;
        }
    }
    r->outputs = calloc(a->nouts + 1, sizeof *r->outputs);
    output_run info = {.script = r->script_shown,
                       .time_scale = r->plan->time_scale,
                       .started_unix = lt_wall_now(),
                       .planned_duration = plan_total_duration(r->plan),
                       .nstatic_tags = a->ntags,
                       .static_keys = a->tag_keys,
                       .static_vals = a->tag_vals,
                       .nthresholds = r->plan->nthresholds,
                       .thresholds = r->plan->thresholds,
                       .execution_segment = r->plan->execution_segment};
    for (int i = 0; i < a->nouts; i++) {
        char e[512];
        output *o = output_create(a->outs[i], e, sizeof e);
        if (!o) {
            snprintf(err, errlen, "--out %s: %s", a->outs[i], e);
            return -1;
        }
        r->outputs[r->nouts++] = o;
        if (o->start && o->start(o, &info, e, sizeof e) != 0) {
            snprintf(err, errlen, "--out %s: %s", a->outs[i], e);
            return -1;
        }
    }
    return 0;
}

static int start_workers(run_ctx *r, char *err, size_t errlen, bool *script_error) {
    int n = r->args->threads > 0 ? r->args->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    r->workers = calloc(n, sizeof *r->workers);
    r->participants = calloc(r->plan->nscenarios, sizeof *r->participants);
    for (int i = 0; i < r->plan->nscenarios; i++)
        r->participants[i] = sched_participants(&r->plan->scenarios[i], n);
    for (int i = 0; i < n; i++) {
        r->workers[i] = worker_new(&r->sh, i, n, g_wake_fd, err, errlen, script_error);
        if (!r->workers[i]) return -1;
        r->nworkers++;
    }
    return 0;
}

static void finish_workers(run_ctx *r) {
    if (!r->stopping) {
        /* every scenario finished on its own */
    } else {
        for (int i = 0; i < r->nworkers; i++) worker_stop(r->workers[i], r->hard);
    }
    for (int i = 0; i < r->nworkers; i++) worker_exit(r->workers[i]);
    for (int i = 0; i < r->nworkers; i++) worker_join(r->workers[i]);
}

/* Once the workers are joined: their iteration errors, merged, and the log's last held-back
 * counts (a run often ends less than a second after its last logged error). */
static void gather_iteration_errors(run_ctx *r) {
    r->errors = calloc(1, sizeof *r->errors);
    for (int i = 0; i < r->nworkers; i++) {
        runtime *rt = worker_runtime(r->workers[i]);
        runtime_end_error_log(rt);
        error_tally_merge(r->errors, &rt->errors);
    }
}

static int verdict(run_ctx *r, threshold_result *res) {
    const plan *p = r->plan;
    double dur = r->t_end - r->t0;
    int failed = thresholds_evaluate(p->thresholds, p->nthresholds, r->total, dur, res);
    if (p->no_thresholds) {
        for (int i = 0; i < p->nthresholds; i++) res[i].ok = true;
        failed = 0;
    }
    if (r->exit_code) return r->exit_code;
    return failed ? EXIT_THRESHOLDS : EXIT_OK;
}

static void write_summary(run_ctx *r, threshold_result *res) {
    const plan *p = r->plan;
    enum { TOP_ERRORS = 5 };
    const error_kind *top[TOP_ERRORS];
    summary_error top_errors[TOP_ERRORS];
    int ntop = r->errors ? error_tally_top(r->errors, top, TOP_ERRORS) : 0;
    for (int i = 0; i < ntop; i++) top_errors[i] = (summary_error){top[i]->message, top[i]->count};
    long iters[p->nscenarios], dropped[p->nscenarios], interrupted[p->nscenarios];
    for (int i = 0; i < p->nscenarios; i++) {
        iters[i] = atomic_load(&r->sh.scenarios[i].iterations_done);
        dropped[i] = atomic_load(&r->sh.scenarios[i].dropped);
        interrupted[i] = atomic_load(&r->sh.scenarios[i].iterations_interrupted);
    }
    summary_input in = {.script = r->script_shown,
                        .plan = p,
                        .total = r->total,
                        .duration_s = r->t_end - r->t0,
                        .started_unix = r->sh.wall_t0,
                        .partial = r->hard,
                        .exit_code = r->exit_code,
                        .thresholds = res,
                        .scenario_iterations = iters,
                        .scenario_dropped = dropped,
                        .scenario_interrupted = interrupted,
                        .abort_reason = r->sh.abort_reason,
                        .iteration_errors = r->errors ? r->errors->total : 0,
                        .top_errors = top_errors,
                        .ntop_errors = ntop,
                        .timeline = r->tl,
                        .stdout_tty = isatty(1),
                        .stderr_tty = isatty(2),
                        .no_color = r->args->no_color,
                        .setup_json = r->sh.setup_json,
                        .ntags = r->args->ntags,
                        .tag_keys = r->args->tag_keys,
                        .tag_vals = r->args->tag_vals};
    double t_build = lt_now();
    cJSON *j = summary_json(&in);
    t_build = lt_now() - t_build;
    bool handled = false; /* handleSummary wrote its own summary: no default text (as k6) */
    if (runtime_has_function(r->ctl, "handleSummary")) {
        char *data = summary_print(j, false, NULL), err[2048];
        int rc = handle_summary(r->ctl, data, err, sizeof err);
        free(data);
        handled = rc != -1 && rc != 1;
        if (rc < 0) {
            fprintf(stderr, "lt: handleSummary: %s%s\n", err,
                    rc == -1 ? " (the default summary is printed instead)" : "");
            if (!r->exit_code) r->exit_code = EXIT_SCRIPT; /* thresholds' 99 or a signal's stays */
            cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "exit_code"), r->exit_code);
            in.exit_code = r->exit_code;
        }
    }
    if (!handled &&
        (!r->args->quiet || !r->args->summary_export || strcmp(r->args->summary_export, "-") != 0))
        summary_print_text(stderr, &in, !r->args->no_color && isatty(2));
    if (r->args->summary_export) {
        double t_print = lt_now();
        char *text = summary_print(j, true, NULL);
        t_print = lt_now() - t_print;
        double t_write = lt_now();
        char err[512];
        if (write_file_atomic(r->args->summary_export, text, err, sizeof err) != 0)
            fprintf(stderr, "lt: %s\n", err);
        t_write = lt_now() - t_write;
        /* the cost of the JSON summary, for the bench's P9 row (issue 15) */
        if (getenv("LT_SUMMARY_TIMING"))
            fprintf(stderr, "lt: summary: build %.3f ms, print %.3f ms, write %.3f ms, %zu bytes\n",
                    t_build * 1e3, t_print * 1e3, t_write * 1e3, strlen(text));
        free(text);
    }
    cJSON_Delete(j);
}

/* Loading the script into a runtime failed (its top level raised, or lt could not create the
 * runtime): prints why and returns the exit code, 108 for an lt.abort() at the top level. */
static int script_load_failed(run_ctx *r, const char *err, bool script_error) {
    if (atomic_load(&r->sh.aborted)) {
        fprintf(stderr, "lt: test aborted by the script at its top level: %s\n",
                r->sh.abort_reason);
        return EXIT_ABORTED;
    }
    fprintf(stderr, "lt: %s%s\n", script_error ? "script error: " : "", err);
    return script_error ? EXIT_SCRIPT : EXIT_CONFIG;
}

/* setup() or teardown() failed: prints why and returns the exit code, 105 when a signal
 * interrupted it, 108 when the script called lt.abort() (abort means abort wherever it is
 * called), else 107 (script error). */
static int control_call_failed(run_ctx *r, const char *fn, const char *err) {
    const char *after = strcmp(fn, "teardown") == 0 ? " (the summary is still written)" : "";
    if (g_signals) {
        fprintf(stderr, "lt: %s: %s%s\n", fn, err, after);
        return EXIT_SIGNAL;
    }
    if (atomic_load(&r->sh.aborted)) {
        fprintf(stderr, "lt: test aborted by the script in %s(): %s%s\n", fn, r->sh.abort_reason,
                after);
        return EXIT_ABORTED;
    }
    fprintf(stderr, "lt: %s: %s%s\n", fn, err, after);
    return EXIT_SCRIPT;
}

static void cleanup(run_ctx *r) {
    for (int i = 0; i < r->nworkers; i++) worker_free(r->workers[i]);
    free(r->workers);
    for (int i = 0; i < r->nouts; i++)
        if (r->outputs[i]->destroy) r->outputs[i]->destroy(r->outputs[i]);
    free(r->outputs);
    if (r->prog) progress_free(r->prog);
    scraper_free(r->scraper);
    timeline_free(r->tl);
    runtime_free(r->ctl);
    store_free(r->total);
    store_free(r->interval);
    free(r->participants);
    free(r->started);
    free(r->sh.scenarios);
    free((char *)r->sh.setup_json);
    free(r->script_shown);
    free(r->errors);
    plan_free(r->plan);
    run_env_free(&r->sh);
}

int run_command(const run_config *a) {
    run_ctx r = {.args = a};
    char err[2048];
    bool script_error = false;
    metrics_init();
    if (access(a->script, R_OK) != 0) {
        fprintf(stderr, "lt: cannot read script '%s': %s\n", a->script, strerror(errno));
        return EXIT_SCRIPT;
    }
    r.sh.script_path = a->script;
    r.script_shown = utf8_repair_dup(a->script, strlen(a->script), NULL);
    r.sh.lib_dir = a->lib_dir;
    r.sh.seed = a->seeded ? a->seed : ((uint64_t)lt_wall_now() * 1000003ULL) ^ (uint64_t)getpid();
    r.sh.seeded = a->seeded;
    r.sh.ca_file = a->ca_file ? a->ca_file : getenv("LT_CA_FILE");
    r.sh.inspect = a->inspect;
    run_env_build(&r.sh, a);
    r.total = store_new();
    r.interval = store_new();
    g_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    g_signal_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    r.sh.signals = &g_signals;
    r.sh.signal_fd = g_signal_fd;
    preempt_set_signal_counter(&g_signals); /* the watchdog ends a control call that never yields */
    install_signals();

    int code = EXIT_OK;
    r.ctl = runtime_new(&r.sh, -1, err, sizeof err, &script_error);
    if (!r.ctl) {
        code = script_load_failed(&r, err, script_error);
        goto out;
    }
    if (load_plan(&r, err, sizeof err) != 0) {
        fprintf(stderr, "lt: invalid options: %s\n", err);
        code = EXIT_CONFIG;
        goto out;
    }
    if (a->start_at && check_start_at(a->start_at, err, sizeof err) != 0) {
        fprintf(stderr, "lt: %s\n", err);
        code = EXIT_CONFIG;
        goto out;
    }
    if (a->inspect) {
        cJSON *shown = cJSON_Duplicate(r.plan->resolved, 1);
        if (r.plan->share)
            cJSON_AddItemToObject(shown, "segment", cJSON_Duplicate(r.plan->share, 1));
        char *s = cJSON_Print(shown);
        cJSON_Delete(shown);
        printf("%s\n", s);
        free(s);
        goto out;
    }
    r.sh.plan = r.plan;
    r.sh.scenarios = calloc(r.plan->nscenarios, sizeof *r.sh.scenarios);
    r.started = calloc(r.plan->nscenarios, sizeof *r.started);
    if (runtime_configure(r.ctl, err, sizeof err) != 0) { /* as every worker's, from the plan */
        fprintf(stderr, "lt: %s\n", err);
        code = EXIT_CONFIG;
        goto out;
    }
    {
        tag_builder b = {0};
        runtime_run_tags(&r.sh, 0, &b);
        r.run_tags_id = tagset_intern(r.ctl->tags, &b);
    }
    run_raise_fd_limit(r.plan);
    if (setup_scraper(&r, err, sizeof err) != 0) {
        fprintf(stderr, "lt: invalid options: %s\n", err);
        code = EXIT_CONFIG;
        goto out;
    }
    if (start_outputs(&r, err, sizeof err) != 0) {
        fprintf(stderr, "lt: %s\n", err);
        code = EXIT_CONFIG;
        goto out;
    }
    r.sh.run_t0 = lt_now();
    r.sh.wall_t0 = lt_wall_now();
    if (runtime_has_function(r.ctl, "setup")) {
        char *json = NULL;
        if (runtime_call(r.ctl, "setup", false, r.plan->setup_timeout, &json, err, sizeof err) !=
            0) {
            code = control_call_failed(&r, "setup", err);
            goto out;
        }
        r.sh.setup_json = json;
        if (runtime_load_setup_data(r.ctl, err, sizeof err) != 0) {
            fprintf(stderr, "lt: setup data: %s\n", err);
            code = EXIT_SCRIPT;
            goto out;
        }
    }
    if (start_workers(&r, err, sizeof err, &script_error) != 0) {
        code = script_load_failed(&r, err, script_error);
        goto out;
    }
    if (!a->quiet) r.prog = progress_new(r.plan, isatty(2));
    if (r.scraper && scraper_start(r.scraper, err, sizeof err) != 0) { /* ticks with collect() */
        fprintf(stderr, "lt: %s (the run goes on without scraping)\n", err);
        scraper_free(r.scraper);
        r.scraper = NULL;
    }
    if (a->start_at) wait_for_start_at(a->start_at);
    r.t0 = r.sh.run_t0 = lt_now();
    r.sh.wall_t0 = lt_wall_now();
    r.next_collect = r.t0 + 1.0;
    r.last_collect = r.t0;
    r.tl = timeline_new(r.plan);
    for (int i = 0; i < r.nworkers; i++)
        if (worker_run(r.workers[i]) != 0) {
            fprintf(stderr, "lt: cannot start worker thread %d\n", i);
            stop_all(&r, true, EXIT_CONFIG);
        }
    main_loop(&r);
    finish_workers(&r);
    gather_iteration_errors(&r);
    r.t_end = lt_now();
    if (!r.hard && runtime_has_function(r.ctl, "teardown")) {
        if (runtime_call(r.ctl, "teardown", true, r.plan->teardown_timeout, NULL, err,
                         sizeof err) != 0) {
            int failed = control_call_failed(&r, "teardown", err);
            if (!r.exit_code) r.exit_code = failed; /* a signal's 105 or an earlier abort stays */
        }
        if (g_signals >= 2) r.hard = true; /* a second Ctrl-C during teardown: partial */
        if (g_signals && !r.exit_code) r.exit_code = EXIT_SIGNAL; /* Ctrl-C during teardown */
    }
    scraper_stop(r.scraper); /* a last scrape, so the final collection has the end values */
    collect(&r, lt_now(), true);
    if (r.prog) progress_finish(r.prog);
    threshold_result *res = calloc(r.plan->nthresholds + 1, sizeof *res);
    r.exit_code = verdict(&r, res);
    write_summary(&r, res); /* first: a slow output must not delay or endanger the summary */
    code = r.exit_code;     /* handleSummary may have failed: 107 */
    for (int i = 0; i < r.nouts; i++)
        if (r.outputs[i]->stop) r.outputs[i]->stop(r.outputs[i], r.total);
    free(res);
out:
    cleanup(&r);
    close(g_wake_fd);
    g_wake_fd = -1;
    preempt_set_signal_counter(NULL);
    close(g_signal_fd);
    g_signal_fd = -1;
    return code;
}
