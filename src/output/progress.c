/* progress.c — the live progress lines (see progress.h). */
#include "output/progress.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct progress {
    const plan *p;
    bool tty;
    int lines_drawn;
    double last_plain;   /* elapsed at the last plain line */
    double last_elapsed; /* elapsed at the previous update (for the achieved rate) */
    long *last_iters;
};

progress *progress_new(const plan *p, bool tty) {
    progress *pr = calloc(1, sizeof *pr);
    pr->p = p;
    pr->tty = tty;
    pr->last_iters = calloc(p->nscenarios + 1, sizeof(long));
    return pr;
}

static double target_rate(const scenario_plan *s, double t) {
    double share = scenario_rate_share(s); /* an execution segment's part */
    if (s->kind == EX_CONSTANT_ARRIVAL_RATE) return s->rate * share;
    if (s->kind != EX_RAMPING_ARRIVAL_RATE) return -1;
    double from = s->start_rate, t0 = 0;
    for (int i = 0; i < s->nstages; i++) {
        if (t < t0 + s->stages[i].duration)
            return share * (from + (s->stages[i].target - from) * (t - t0) / s->stages[i].duration);
        from = s->stages[i].target;
        t0 += s->stages[i].duration;
    }
    return share * from;
}

static void interval_stats(const store *st, const char *scenario, double *p99, double *failed,
                           double *reqs) {
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

/* Terminal width, so that no line wraps (a wrapped line would break the cursor-up redraw);
 * 0 when unknown (no truncation). */
static int term_columns(void) {
    struct winsize ws;
    if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    const char *c = getenv("COLUMNS");
    return c ? atoi(c) : 0;
}

/* One scenario's line (without the "\033[2K"/"lt: " prefix and the newline). */
static void format_line(progress *pr, int i, double elapsed, double dt, const progress_counts *c,
                        const store *interval, char *out, size_t len) {
    const scenario_plan *s = &pr->p->scenarios[i];
    double t = elapsed - s->start_time, d = scenario_duration(s);
    long iters = c->iterations;
    double achieved = dt > 0 ? (double)(iters - pr->last_iters[i]) / dt : 0;
    pr->last_iters[i] = iters;
    if (t < 0) {
        snprintf(out, len, "%-14.14s waiting, starts in %.0fs", s->name, ceil(-t));
        return;
    }
    bool done = t >= d && c->active_vus == 0;
    double frac = d > 0 ? fmin(1, t / d) : 1;
    char bar[24];
    int filled = (int)(frac * 20);
    for (int k = 0; k < 20; k++) bar[k] = k < filled ? '=' : (k == filled ? '>' : ' ');
    bar[20] = 0;
    double p99, failed, reqs;
    interval_stats(interval, s->name, &p99, &failed, &reqs);
    double tr = target_rate(s, fmin(t, d));
    char rate[64], lat[32];
    if (done) achieved = d > 0 ? (double)iters / d : 0; /* over the whole scenario */
    if (tr >= 0)
        snprintf(rate, sizeof rate, "%7.1f/s of %.1f/s", achieved, tr);
    else
        snprintf(rate, sizeof rate, "%7.1f it/s", achieved);
    if (isnan(p99))
        snprintf(lat, sizeof lat, "p99 -");
    else
        snprintf(lat, sizeof lat, "p99 %.2fms", p99);
    snprintf(out, len, "%-14.14s [%s] %5.0fs/%.0fs %s%s vus %d/%d dropped %ld %s failed %.0f/%.0f",
             s->name, bar, fmin(t, d), d, done ? "done " : "", rate, c->active_vus, c->alloc_vus,
             c->dropped, lat, failed, reqs);
}

void progress_update(progress *pr, double elapsed, const progress_counts *counts,
                     const store *interval, const store *total) {
    (void)total;
    const plan *p = pr->p;
    if (!pr->tty) {
        if (elapsed - pr->last_plain < 10) return;
        pr->last_plain = elapsed;
    }
    double dt = elapsed - pr->last_elapsed;
    pr->last_elapsed = elapsed;
    int cols = pr->tty ? term_columns() : 0;
    /* one write for the whole frame, so the lines never interleave with another thread's */
    size_t cap = (size_t)(p->nscenarios + 1) * 320, n = 0;
    char *frame = malloc(cap);
    if (!frame) return;
    if (pr->tty && pr->lines_drawn) n += (size_t)snprintf(frame, cap, "\033[%dA", pr->lines_drawn);
    for (int i = 0; i < p->nscenarios; i++) {
        char line[300];
        format_line(pr, i, elapsed, dt, &counts[i], interval, line, sizeof line);
        if (cols > 1 && (int)strlen(line) > cols - 1) line[cols - 1] = 0;
        n += (size_t)snprintf(frame + n, cap - n, "%s%s\n", pr->tty ? "\033[2K" : "lt: ", line);
    }
    fwrite(frame, 1, n, stderr);
    fflush(stderr);
    free(frame);
    pr->lines_drawn = p->nscenarios;
}

void progress_finish(progress *pr) {
    (void)pr;
}

void progress_free(progress *pr) {
    free(pr->last_iters);
    free(pr);
}
