/* evaluate.c — metric aggregates and threshold verdicts. */
#include "metrics/evaluate.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

double series_aggregate(const series *s, metric_type type, const threshold_expr *e,
                        double duration_s, bool *valid) {
    *valid = true;
    switch (type) {
    case METRIC_COUNTER:
        if (e->agg == AGG_COUNT) return s->sum;
        if (e->agg == AGG_RATE) return duration_s > 0 ? s->sum / duration_s : 0;
        break;
    case METRIC_GAUGE:
        if (e->agg == AGG_VALUE) return s->count ? s->sum : 0;
        if (e->agg == AGG_MIN) return s->count ? s->min : 0;
        if (e->agg == AGG_MAX) return s->count ? s->max : 0;
        break;
    case METRIC_RATE:
        if (e->agg == AGG_RATE) return s->count ? (double)s->nonzero / (double)s->count : 0;
        if (e->agg == AGG_COUNT) return (double)s->count;
        break;
    case METRIC_TREND:
        if (!s->hist) return 0;
        switch (e->agg) {
        case AGG_AVG:
            return hist_mean(s->hist);
        case AGG_MIN:
            return hist_min(s->hist);
        case AGG_MAX:
            return hist_max(s->hist);
        case AGG_MED:
            return hist_percentile(s->hist, 50);
        case AGG_PCT:
            return hist_percentile(s->hist, e->pct);
        case AGG_COUNT:
            return (double)hist_count(s->hist);
        default:
            break;
        }
        break;
    }
    *valid = false;
    return 0;
}

static bool series_has_data(const series *s, metric_type type) {
    if (type == METRIC_TREND) return s->hist && hist_count(s->hist) > 0;
    return s->count > 0;
}

int selector_merge(const store *st, const metric_selector *sel, series *out) {
    int id = metric_find(sel->name);
    if (id < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    const char *keys[SELECTOR_MAX_TAGS], *vals[SELECTOR_MAX_TAGS];
    for (int i = 0; i < sel->ntags; i++) {
        keys[i] = sel->tags[i].key;
        vals[i] = sel->tags[i].value;
    }
    return store_select(st, id, sel->ntags, keys, vals, out);
}

bool series_aggregate_defined(const series *s, metric_type type, const threshold_expr *e,
                              double duration_s) {
    if (e->agg == AGG_COUNT) return true; /* the count of nothing is 0 */
    if (type == METRIC_COUNTER && e->agg == AGG_RATE) return duration_s > 0;
    return series_has_data(s, type);
}

const char *threshold_no_data_reason(const threshold_result *r) {
    switch (r->why) {
    case THRESHOLD_COMPUTED:
        break;
    case THRESHOLD_NO_SAMPLES:
        return "no samples";
    case THRESHOLD_NO_SERIES:
        return "no series has these tags";
    case THRESHOLD_NO_METRIC:
        return "no such metric";
    }
    return "";
}

bool threshold_crossed(const threshold_result *r) {
    return !r->no_data && !r->ok;
}

static threshold_result no_data(threshold_result r, threshold_data why) {
    r.no_data = true;
    r.why = why;
    r.ok = false;
    return r;
}

static threshold_result evaluate_one(const threshold_def *t, const store *total,
                                     double duration_s) {
    threshold_result r = {.observed = NAN};
    series s;
    int merged = selector_merge(total, &t->sel, &s);
    if (merged < 0) return no_data(r, THRESHOLD_NO_METRIC);
    metric_type type = metric_get(metric_find(t->sel.name))->type;
    r.has_data = series_has_data(&s, type);
    r.series_matched = merged;
    if (!series_aggregate_defined(&s, type, &t->expr, duration_s))
        /* the count of a selector that matches nothing is still 0 (a status:500 that never came);
         * anything else over it is no data, and the reason points at the tags (a typo?) */
        r = no_data(r,
                    t->sel.ntags > 0 && merged == 0 ? THRESHOLD_NO_SERIES : THRESHOLD_NO_SAMPLES);
    else {
        bool valid;
        r.observed = series_aggregate(&s, type, &t->expr, duration_s, &valid);
        r.ok = valid && threshold_holds(&t->expr, r.observed);
    }
    series_release(&s);
    return r;
}

int thresholds_evaluate(const threshold_def *defs, int n, const store *total, double duration_s,
                        threshold_result *out) {
    int failed = 0;
    for (int i = 0; i < n; i++) {
        out[i] = evaluate_one(&defs[i], total, duration_s);
        if (!out[i].ok) failed++;
    }
    return failed;
}

int thresholds_validate(const threshold_def *defs, int n, char *err, size_t errlen) {
    for (int i = 0; i < n; i++) {
        const threshold_def *t = &defs[i];
        int id = metric_find(t->sel.name);
        if (id < 0) {
            snprintf(err, errlen,
                     "thresholds[\"%s\"]: no metric named '%s' (built-in, or created at the top "
                     "level of the script)",
                     t->metric_src, t->sel.name);
            return -1;
        }
        series empty = {0};
        bool valid;
        const metric_def *d = metric_get(id);
        series_aggregate(&empty, d->type, &t->expr, 1, &valid);
        if (!valid) {
            char b[32];
            snprintf(err, errlen,
                     "thresholds[\"%s\"]: '%s' is not an aggregate of a %s (a %s has %s)",
                     t->metric_src, threshold_agg_name(&t->expr, b, sizeof b),
                     metric_type_name(d->type), metric_type_name(d->type),
                     d->type == METRIC_COUNTER ? "count, rate"
                     : d->type == METRIC_GAUGE ? "value, min, max"
                     : d->type == METRIC_RATE  ? "rate"
                                               : "avg, min, med, max, count, p(N)");
            return -1;
        }
    }
    return 0;
}
