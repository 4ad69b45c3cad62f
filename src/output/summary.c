/* summary.c — end-of-test summary, text and JSON. */
#include "output/summary.h"
#include "base/utf8.h"
#include "output/summary_k6.h"
#include "output/timeline.h"
#include "version.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------- values ---------------- */

/* A trend's count is always reported; when summaryTrendStats names it, it is reported there and
 * only there (a second "count" would be a duplicate JSON key). */
static bool trend_stats_name_count(const plan *p) {
    for (int i = 0; i < p->ntrend_stats; i++)
        if (strcmp(p->trend_stats[i], "count") == 0) return true;
    return false;
}

static void add_trend_values(cJSON *vals, const series *s, const plan *p) {
    for (int i = 0; i < p->ntrend_stats; i++) {
        threshold_expr e;
        char buf[96], err[64];
        snprintf(buf, sizeof buf, "%s<0", p->trend_stats[i]);
        if (threshold_parse(buf, &e, err, sizeof err) != 0) continue;
        bool valid;
        double v = series_aggregate(s, METRIC_TREND, &e, 1, &valid);
        cJSON_AddNumberToObject(vals, p->trend_stats[i], v);
    }
    if (!trend_stats_name_count(p))
        cJSON_AddNumberToObject(vals, "count", s->hist ? (double)hist_count(s->hist) : 0);
}

static cJSON *values_json(const series *s, const metric_def *d, const plan *p, double dur) {
    cJSON *v = cJSON_CreateObject();
    switch (d->type) {
    case METRIC_COUNTER:
        cJSON_AddNumberToObject(v, "count", s->sum);
        cJSON_AddNumberToObject(v, "rate", dur > 0 ? s->sum / dur : 0);
        break;
    case METRIC_GAUGE:
        cJSON_AddNumberToObject(v, "value", s->count ? s->sum : 0);
        cJSON_AddNumberToObject(v, "min", s->count ? s->min : 0);
        cJSON_AddNumberToObject(v, "max", s->count ? s->max : 0);
        break;
    case METRIC_RATE:
        cJSON_AddNumberToObject(v, "rate", s->count ? (double)s->nonzero / (double)s->count : 0);
        cJSON_AddNumberToObject(v, "passes", (double)s->nonzero);
        cJSON_AddNumberToObject(v, "fails", (double)(s->count - s->nonzero));
        break;
    case METRIC_TREND:
        add_trend_values(v, s, p);
        break;
    }
    return v;
}

static const char *contains(const metric_def *d) {
    return d->is_time ? "time" : d->is_data ? "data" : "default";
}

static cJSON *metric_json(const series *s, const metric_def *d, const plan *p, double dur) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", metric_type_name(d->type));
    cJSON_AddStringToObject(m, "contains", contains(d));
    cJSON_AddItemToObject(m, "values", values_json(s, d, p, dur));
    if (d->type == METRIC_TREND && s->hist)
        cJSON_AddItemToObject(m, "histogram", hist_to_json(s->hist));
    return m;
}

static cJSON *tags_json(const tagset *t) {
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; t && i < t->n; i++) cJSON_AddStringToObject(o, t->keys[i], t->vals[i]);
    return o;
}

static bool metric_has_samples(const store *st, int id) {
    for (size_t i = 0; i < store_len(st); i++)
        if (store_at(st, i)->metric == id) return true;
    return false;
}

/* ---------------- JSON ---------------- */

static void add_thresholds(cJSON *root, cJSON *metrics, const summary_input *in) {
    cJSON *list = cJSON_AddArrayToObject(root, "thresholds");
    const plan *p = in->plan;
    for (int i = 0; i < p->nthresholds; i++) {
        const threshold_plan *t = &p->thresholds[i];
        const threshold_result *r = &in->thresholds[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "metric", t->metric_src);
        cJSON_AddStringToObject(e, "expr", t->expr_src);
        cJSON_AddBoolToObject(e, "ok", r->ok);
        cJSON_AddBoolToObject(e, "has_data", r->has_data);
        cJSON_AddNumberToObject(e, "series_matched", r->series_matched);
        cJSON_AddBoolToObject(e, "no_data", r->no_data); /* could not be computed: not ok */
        if (r->no_data) {
            cJSON_AddStringToObject(e, "no_data_reason", threshold_no_data_reason(r));
            cJSON_AddNullToObject(e, "observed");
        } else {
            cJSON_AddNumberToObject(e, "observed", r->observed);
        }
        cJSON_AddBoolToObject(e, "abortOnFail", t->abort_on_fail);
        cJSON_AddItemToArray(list, e);
        cJSON *m = cJSON_GetObjectItemCaseSensitive(metrics, t->metric_src);
        if (!m) {
            series s;
            int id = metric_find(t->sel.name);
            if (id < 0 || selector_merge(in->total, &t->sel, &s) < 0) continue;
            m = metric_json(&s, metric_get(id), p, in->duration_s);
            series_release(&s);
            cJSON_AddItemToObject(metrics, t->metric_src, m);
        }
        cJSON *th = cJSON_GetObjectItemCaseSensitive(m, "thresholds");
        if (!th) th = cJSON_AddObjectToObject(m, "thresholds");
        cJSON *ok = cJSON_CreateObject();
        cJSON_AddBoolToObject(ok, "ok", r->ok);
        if (r->no_data) cJSON_AddBoolToObject(ok, "no_data", true);
        cJSON_AddItemToObject(th, t->expr_src, ok);
    }
}

typedef struct {
    const char *name;
    const char *group; /* lt.group's path ("::a::b"), "" outside any group */
    uint64_t passes, fails;
} check_row;

/* One row per check name and group, as k6 counts them. */
static int collect_checks(const store *st, check_row *rows, int cap) {
    int n = 0;
    for (size_t i = 0; i < store_len(st); i++) {
        const series *s = store_at(st, i);
        if (s->metric != M_CHECKS) continue;
        const tagset *t = tagset_get(s->tags);
        const char *name = tagset_value(t, "check"), *group = tagset_value(t, "group");
        if (!name) continue;
        if (!group) group = "";
        int k = 0;
        while (k < n && (strcmp(rows[k].name, name) != 0 || strcmp(rows[k].group, group) != 0)) k++;
        if (k == n) {
            if (n == cap) continue;
            rows[n++] = (check_row){name, group, 0, 0};
        }
        rows[k].passes += s->nonzero;
        rows[k].fails += s->count - s->nonzero;
    }
    /* checks outside groups first, then each group after its parent; stable within a group */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(rows[j].group, rows[j - 1].group) < 0; j--) {
            check_row t = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = t;
        }
    return n;
}

/* "iteration_errors": {"count": N, "top": [{"message", "count"}, ...]}, always present, so a tool
 * reads 0 rather than guessing from an absent metric. */
static void add_iteration_errors(cJSON *root, const summary_input *in) {
    cJSON *e = cJSON_AddObjectToObject(root, "iteration_errors");
    cJSON_AddNumberToObject(e, "count", (double)in->iteration_errors);
    cJSON *top = cJSON_AddArrayToObject(e, "top");
    for (int i = 0; i < in->ntop_errors; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "message", in->top_errors[i].message);
        cJSON_AddNumberToObject(t, "count", (double)in->top_errors[i].count);
        cJSON_AddItemToArray(top, t);
    }
}

cJSON *summary_json(const summary_input *in) {
    const plan *p = in->plan;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "lt-summary/1");
    cJSON_AddStringToObject(root, "lt_version", LT_VERSION);
    cJSON_AddStringToObject(root, "script", in->script);
    cJSON_AddNumberToObject(root, "time_scale", p->time_scale);
    char ts[64];
    time_t t0 = (time_t)in->started_unix;
    struct tm tm;
    gmtime_r(&t0, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(root, "started_at", ts);
    cJSON_AddNumberToObject(root, "started_unix", in->started_unix); /* to the µs, for lt merge */
    cJSON_AddNumberToObject(root, "duration_s", in->duration_s);
    cJSON_AddBoolToObject(root, "partial", in->partial);
    cJSON_AddNumberToObject(root, "exit_code", in->exit_code);
    if (in->abort_reason && in->abort_reason[0])
        cJSON_AddStringToObject(root, "abort_reason", in->abort_reason);
    cJSON_AddItemToObject(root, "options", cJSON_Duplicate(p->resolved, 1));
    if (in->ntags > 0) { /* --tag: which instance wrote this summary (instance=NAME) */
        cJSON *tags = cJSON_AddObjectToObject(root, "tags");
        for (int i = 0; i < in->ntags; i++) { /* the command line's bytes: made valid UTF-8 */
            size_t kl, vl;
            char *k = utf8_repair_dup(in->tag_keys[i], strlen(in->tag_keys[i]), &kl);
            char *v = utf8_repair_dup(in->tag_vals[i], strlen(in->tag_vals[i]), &vl);
            if (k && v) cJSON_AddStringToObject(tags, k, v);
            free(k);
            free(v);
        }
    }
    if (p->execution_segment) { /* a segmented run: lt merge checks the instances' segments */
        cJSON_AddStringToObject(root, "execution_segment", p->execution_segment);
        cJSON_AddStringToObject(root, "execution_segment_sequence", p->execution_segment_sequence);
    }

    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    for (int id = 0; id < metric_count(); id++) {
        const metric_def *d = metric_get(id);
        if (!metric_has_samples(in->total, id)) continue;
        series s;
        store_select(in->total, id, 0, NULL, NULL, &s);
        cJSON_AddItemToObject(metrics, d->name, metric_json(&s, d, p, in->duration_s));
        series_release(&s);
    }
    add_thresholds(root, metrics, in);

    cJSON *series_arr = cJSON_AddArrayToObject(root, "series");
    for (size_t i = 0; i < store_len(in->total); i++) {
        const series *s = store_at(in->total, i);
        const metric_def *d = metric_get(s->metric);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "metric", d->name);
        cJSON_AddStringToObject(e, "type", metric_type_name(d->type));
        cJSON_AddItemToObject(e, "tags", tags_json(tagset_get(s->tags)));
        cJSON_AddItemToObject(e, "values", values_json(s, d, p, in->duration_s));
        if (d->type == METRIC_TREND && s->hist)
            cJSON_AddItemToObject(e, "histogram", hist_to_json(s->hist));
        cJSON_AddItemToArray(series_arr, e);
    }

    check_row rows[256];
    int nrows = collect_checks(in->total, rows, 256);
    cJSON *checks = cJSON_AddArrayToObject(root, "checks");
    for (int i = 0; i < nrows; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", rows[i].name);
        if (rows[i].group[0]) cJSON_AddStringToObject(c, "group", rows[i].group);
        cJSON_AddNumberToObject(c, "passes", (double)rows[i].passes);
        cJSON_AddNumberToObject(c, "fails", (double)rows[i].fails);
        cJSON_AddItemToArray(checks, c);
    }
    add_iteration_errors(root, in);

    cJSON *sc = cJSON_AddObjectToObject(root, "scenarios");
    for (int i = 0; i < p->nscenarios; i++) {
        const scenario_plan *sp = &p->scenarios[i];
        cJSON *e = cJSON_AddObjectToObject(sc, sp->name);
        cJSON_AddStringToObject(e, "executor", executor_name(sp->kind));
        cJSON_AddNumberToObject(e, "iterations",
                                in->scenario_iterations ? (double)in->scenario_iterations[i] : 0);
        cJSON_AddNumberToObject(e, "dropped_iterations",
                                in->scenario_dropped ? (double)in->scenario_dropped[i] : 0);
        cJSON_AddNumberToObject(e, "interrupted_iterations",
                                in->scenario_interrupted ? (double)in->scenario_interrupted[i] : 0);
        if (sp->kind == EX_CONSTANT_ARRIVAL_RATE || sp->kind == EX_RAMPING_ARRIVAL_RATE) {
            double d = scenario_duration(sp), planned = 0, starts;
            if (sp->kind == EX_CONSTANT_ARRIVAL_RATE) {
                planned = sp->rate * d;
            } else {
                double prev = sp->start_rate;
                for (int k = 0; k < sp->nstages; k++) {
                    planned += (prev + sp->stages[k].target) / 2 * sp->stages[k].duration;
                    prev = sp->stages[k].target;
                }
            }
            /* k6's starts: a constant rate's at 0, 1/rate, ... before the duration (10/s for
             * 950 ms is 10), a ramping rate's where its integral reaches 1, 2, ... */
            starts =
                sp->kind == EX_CONSTANT_ARRIVAL_RATE ? ceil(planned - 1e-9) : floor(planned + 1e-9);
            /* an execution segment plans its share of the starts, and of the rate */
            starts = (double)scenario_starts_share(sp, (long)starts);
            planned *= scenario_rate_share(sp);
            cJSON_AddNumberToObject(e, "planned_iterations", starts);
            cJSON_AddNumberToObject(e, "target_rate", d > 0 ? planned / d : 0);
            long done = in->scenario_iterations ? in->scenario_iterations[i] : 0;
            cJSON_AddNumberToObject(e, "achieved_rate", d > 0 ? done / d : 0);
        }
    }
    if (in->timeline) cJSON_AddItemToObject(root, "timeline", timeline_json(in->timeline));
    summary_add_k6_keys(root, in);
    return root;
}

/* ---------------- text ---------------- */

static const char *fmt_time(double ms, char *buf, size_t len) {
    if (ms >= 60000)
        snprintf(buf, len, "%.2fm", ms / 60000);
    else if (ms >= 1000)
        snprintf(buf, len, "%.2fs", ms / 1000);
    else if (ms >= 1)
        snprintf(buf, len, "%.2fms", ms);
    else
        snprintf(buf, len, "%.2fµs", ms * 1000);
    return buf;
}

static const char *fmt_bytes(double b, char *buf, size_t len) {
    if (b >= 1e9)
        snprintf(buf, len, "%.1f GB", b / 1e9);
    else if (b >= 1e6)
        snprintf(buf, len, "%.1f MB", b / 1e6);
    else if (b >= 1e3)
        snprintf(buf, len, "%.1f kB", b / 1e3);
    else
        snprintf(buf, len, "%.0f B", b);
    return buf;
}

static void print_metric_line(FILE *out, const char *label, const series *s, const metric_def *d,
                              const summary_input *in) {
    char buf[64], buf2[64];
    fprintf(out, "    %s", label);
    int width = 0; /* display width: UTF-8 continuation bytes take no column */
    for (const char *c = label; *c; c++) width += ((unsigned char)*c & 0xC0) != 0x80;
    int dots = 40 - width;
    for (int i = 0; i < dots; i++) fputc('.', out);
    fprintf(out, ": ");
    double dur = in->duration_s;
    switch (d->type) {
    case METRIC_COUNTER:
        if (d->is_data)
            fprintf(out, "%-10s %s/s\n", fmt_bytes(s->sum, buf, sizeof buf),
                    fmt_bytes(dur > 0 ? s->sum / dur : 0, buf2, sizeof buf2));
        else
            fprintf(out, "%-10.0f %.2f/s\n", s->sum, dur > 0 ? s->sum / dur : 0);
        break;
    case METRIC_GAUGE:
        fprintf(out, "%-10g min=%g max=%g\n", s->count ? s->sum : 0, s->count ? s->min : 0,
                s->count ? s->max : 0);
        break;
    case METRIC_RATE:
        fprintf(out, "%.2f%%  %llu out of %llu\n",
                s->count ? 100.0 * (double)s->nonzero / (double)s->count : 0,
                (unsigned long long)s->nonzero, (unsigned long long)s->count);
        break;
    case METRIC_TREND:
        for (int i = 0; i < in->plan->ntrend_stats; i++) {
            threshold_expr e;
            char q[96], err[64];
            snprintf(q, sizeof q, "%s<0", in->plan->trend_stats[i]);
            if (threshold_parse(q, &e, err, sizeof err) != 0) continue;
            bool valid;
            double v = series_aggregate(s, METRIC_TREND, &e, 1, &valid);
            if (d->is_time && e.agg != AGG_COUNT)
                fprintf(out, "%s=%s ", in->plan->trend_stats[i], fmt_time(v, buf, sizeof buf));
            else
                fprintf(out, "%s=%.4g ", in->plan->trend_stats[i], v);
        }
        if (!trend_stats_name_count(in->plan))
            fprintf(out, "count=%llu", s->hist ? (unsigned long long)hist_count(s->hist) : 0ULL);
        fputc('\n', out);
        break;
    }
}

/* Merging the last values of different series means nothing for a gauge, so a gauge with several
 * tag sets prints one line per tag set (at most 12; the JSON has them all). Returns false when
 * the gauge has a single series. */
static bool print_gauge_series(FILE *out, const metric_def *d, const summary_input *in) {
    int n = 0;
    for (size_t i = 0; i < store_len(in->total); i++) n += store_at(in->total, i)->metric == d->id;
    if (n < 2) return false;
    char label[200];
    snprintf(label, sizeof label, "  %s (%d series)", d->name, n);
    fprintf(out, "    %s\n", label);
    int shown = 0;
    for (size_t i = 0; i < store_len(in->total) && shown < 12; i++) {
        const series *s = store_at(in->total, i);
        if (s->metric != d->id) continue;
        const tagset *t = tagset_get(s->tags);
        int len = snprintf(label, sizeof label, "    {");
        for (int k = 0; t && k < t->n && len < (int)sizeof label - 4; k++)
            len += snprintf(label + len, sizeof label - (size_t)len, "%s%s:%s", k ? "," : "",
                            t->keys[k], t->vals[k]);
        if (len < (int)sizeof label - 2) snprintf(label + len, sizeof label - (size_t)len, "}");
        print_metric_line(out, label, s, d, in);
        shown++;
    }
    if (n > shown) fprintf(out, "      ... %d more in the JSON summary\n", n - shown);
    return true;
}

/* The iteration errors with their most frequent messages, when there were any. */
static void print_iteration_errors(FILE *out, const summary_input *in, const char *red,
                                   const char *reset) {
    if (in->iteration_errors <= 0) return;
    fprintf(out, "\n    %siteration errors: %ld%s (most frequent first)\n", red,
            in->iteration_errors, reset);
    long shown = 0;
    for (int i = 0; i < in->ntop_errors; i++) {
        fprintf(out, "    %8ld  %s\n", in->top_errors[i].count, in->top_errors[i].message);
        shown += in->top_errors[i].count;
    }
    if (in->iteration_errors > shown)
        fprintf(out, "    %8ld  (other messages)\n", in->iteration_errors - shown);
}

void summary_print_text(FILE *out, const summary_input *in, bool color) {
    const plan *p = in->plan;
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *reset = color ? "\033[0m" : "";
    /* k6 names the script in its banner; converters of k6's text (k6-to-junit) name the test
     * after this line */
    fprintf(out, "\n     script: %s\n\n", in->script);
    check_row rows[256];
    int nrows = collect_checks(in->total, rows, 256);
    const char *group = "";
    for (int i = 0; i < nrows; i++) {
        bool ok = rows[i].fails == 0;
        if (strcmp(rows[i].group, group) != 0) { /* k6's "█ group" heading */
            group = rows[i].group;
            fprintf(out, "%s    █ %s\n\n", i ? "\n" : "", group);
        }
        fprintf(out, "    %s%s %s%s", ok ? green : red, ok ? "✓" : "✗", rows[i].name, reset);
        if (!ok)
            fprintf(out, "  (%llu passed, %llu failed)", (unsigned long long)rows[i].passes,
                    (unsigned long long)rows[i].fails);
        fprintf(out, "\n");
    }
    if (nrows) fprintf(out, "\n");
    int order[metric_count() + 1], n = 0;
    for (int id = 0; id < metric_count(); id++)
        if (metric_has_samples(in->total, id)) order[n++] = id;
    for (int i = 1; i < n; i++) /* alphabetical, as k6 prints them */
        for (int j = i;
             j > 0 && strcmp(metric_get(order[j])->name, metric_get(order[j - 1])->name) < 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int oi = 0; oi < n; oi++) {
        int id = order[oi];
        const metric_def *d = metric_get(id);
        series s;
        store_select(in->total, id, 0, NULL, NULL, &s);
        bool failed = false, has = false;
        for (int t = 0; t < p->nthresholds; t++)
            if (strcmp(p->thresholds[t].metric_src, d->name) == 0) {
                has = true;
                failed |= !in->thresholds[t].ok;
            }
        char label[160];
        snprintf(label, sizeof label, "%s%s", has ? (failed ? "✗ " : "✓ ") : "  ", d->name);
        if (d->type == METRIC_GAUGE && print_gauge_series(out, d, in)) {
            series_release(&s); /* a gauge of several series (scraped targets): one line each */
            continue;
        }
        if (has) fprintf(out, "%s", failed ? red : green);
        print_metric_line(out, label, &s, d, in);
        if (has) fprintf(out, "%s", reset);
        series_release(&s);
        /* sub-metrics a threshold names */
        for (int t = 0; t < p->nthresholds; t++) {
            const threshold_plan *tp = &p->thresholds[t];
            if (tp->sel.ntags == 0 || strcmp(tp->sel.name, d->name) != 0) continue;
            bool dup = false;
            for (int u = 0; u < t; u++)
                dup |= strcmp(p->thresholds[u].metric_src, tp->metric_src) == 0;
            if (dup) continue;
            series sub;
            if (selector_merge(in->total, &tp->sel, &sub) < 0) continue;
            bool sub_failed = false;
            for (int u = 0; u < p->nthresholds; u++)
                if (strcmp(p->thresholds[u].metric_src, tp->metric_src) == 0)
                    sub_failed |= !in->thresholds[u].ok;
            snprintf(label, sizeof label, "%s  %s", sub_failed ? "✗ " : "✓ ",
                     tp->metric_src + strlen(tp->sel.name));
            fprintf(out, "%s", sub_failed ? red : green);
            print_metric_line(out, label, &sub, d, in);
            fprintf(out, "%s", reset);
            series_release(&sub);
        }
    }
    print_iteration_errors(out, in, red, reset);
    if (p->nthresholds) {
        fprintf(out, "\n    thresholds:\n");
        for (int t = 0; t < p->nthresholds; t++) {
            const threshold_result *r = &in->thresholds[t];
            const threshold_plan *tp = &p->thresholds[t];
            char b[32], observed[96];
            if (r->no_data) /* not computed: no number to show, and never a pass */
                snprintf(observed, sizeof observed, "no data: %s", threshold_no_data_reason(r));
            else /* a count of nothing is computed (0); say why it is 0 */
                snprintf(observed, sizeof observed, "%s=%.4g%s",
                         threshold_agg_name(&tp->expr, b, sizeof b), r->observed,
                         r->has_data ? ""
                         : tp->sel.ntags > 0 && r->series_matched == 0
                             ? ", no series has these tags"
                             : ", no samples");
            fprintf(out, "    %s%s %s: '%s' (%s)%s\n", r->ok ? green : red, r->ok ? "✓" : "✗",
                    tp->metric_src, tp->expr_src, observed, reset);
        }
    }
    long interrupted = 0;
    for (int i = 0; in->scenario_interrupted && i < p->nscenarios; i++)
        interrupted += in->scenario_interrupted[i];
    if (interrupted) /* as k6's "N complete and M interrupted iterations" */
        fprintf(out, "\n    %ld iteration%s interrupted (not counted in iterations)\n", interrupted,
                interrupted == 1 ? "" : "s");
    fprintf(out, "\n    %s in %.1fs%s\n\n",
            in->partial ? "run interrupted (partial results)" : "run finished", in->duration_s,
            in->exit_code == 99 ? ": some thresholds failed" : "");
}

int write_file_atomic(const char *path, const char *text, char *err, size_t errlen) {
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        return 0;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    snprintf(tmp, n, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
