/* progress.c — the live progress lines. */
#include "output/progress.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct progress {
    const plan *p;
    const run_shared *sh;
    bool tty;
    int lines_drawn;
    double last_plain;
    long *last_iters;
};

progress *progress_new(const plan *p, const run_shared *sh, bool tty) {
    progress *pr = calloc(1, sizeof *pr);
    pr->p = p;
    pr->sh = sh;
    pr->tty = tty;
    pr->last_iters = calloc(p->nscenarios + 1, sizeof(long));
    return pr;
}

static double target_rate(const scenario_plan *s, double t) {
    if (s->kind == EX_CONSTANT_ARRIVAL_RATE) return s->rate;
    if (s->kind != EX_RAMPING_ARRIVAL_RATE) return -1;
    double from = s->start_rate, t0 = 0;
    for (int i = 0; i < s->nstages; i++) {
        if (t < t0 + s->stages[i].duration)
            return from + (s->stages[i].target - from) * (t - t0) / s->stages[i].duration;
        from = s->stages[i].target;
        t0 += s->stages[i].duration;
    }
    return from;
}

static void interval_stats(const store *st, const char *scenario, double *p99, double *failed, double *reqs) {
    const char *k[1] = {"scenario"}, *v[1] = {scenario};
    series s;
    store_select(st, M_HTTP_REQ_DURATION, 1, k, v, &s);
    *p99 = s.hist && hist_count(s.hist) ? hist_percentile(s.hist, 99) : NAN;
    series_release(&s);
    store_select(st, M_HTTP_REQ_FAILED, 1, k, v, &s);
    *failed = (double)s.nonzero;
    *reqs = (double)s.count;
    series_release(&s);
}

void progress_update(progress *pr, double elapsed, const store *interval, const store *total) {
    const plan *p = pr->p;
    if (!pr->tty) {
        if (elapsed - pr->last_plain < 10) return;
        pr->last_plain = elapsed;
    }
    if (pr->tty && pr->lines_drawn) fprintf(stderr, "\033[%dA", pr->lines_drawn);
    pr->lines_drawn = 0;
    for (int i = 0; i < p->nscenarios; i++) {
        const scenario_plan *s = &p->scenarios[i];
        const scenario_shared *ss = &pr->sh->scenarios[i];
        double t = elapsed - s->start_time, d = scenario_duration(s);
        if (t < 0) t = 0;
        double frac = d > 0 ? fmin(1, t / d) : 1;
        char bar[24];
        int filled = (int)(frac * 20);
        for (int k = 0; k < 20; k++) bar[k] = k < filled ? '=' : (k == filled ? '>' : ' ');
        bar[20] = 0;
        long iters = atomic_load(&ss->iterations_done);
        double achieved = (double)(iters - pr->last_iters[i]) / (pr->tty ? 1.0 : 10.0);
        pr->last_iters[i] = iters;
        double p99, failed, reqs;
        interval_stats(interval, s->name, &p99, &failed, &reqs);
        double tr = target_rate(s, t);
        char rate[64];
        if (tr >= 0) snprintf(rate, sizeof rate, "%7.1f/s of %.1f/s", achieved, tr);
        else snprintf(rate, sizeof rate, "%7.1f it/s", achieved);
        fprintf(stderr, "%s%-14.14s [%s] %5.0fs/%.0fs %s vus %d/%d dropped %ld p99 %.2fms failed %.0f/%.0f\n",
                pr->tty ? "\033[2K" : "lt: ", s->name, bar, t, d, rate, atomic_load(&ss->active_vus),
                atomic_load(&ss->alloc_vus), atomic_load(&ss->dropped), isnan(p99) ? 0 : p99, failed, reqs);
        pr->lines_drawn++;
    }
    (void)total;
}

void progress_finish(progress *pr) { (void)pr; }

void progress_free(progress *pr) {
    free(pr->last_iters);
    free(pr);
}
