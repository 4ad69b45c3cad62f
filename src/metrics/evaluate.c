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

int thresholds_evaluate(const threshold_def *defs, int n, const store *total, double duration_s,
                        threshold_result *out) {
    int failed = 0;
    for (int i = 0; i < n; i++) {
        const threshold_def *t = &defs[i];
        series s;
        int id = metric_find(t->sel.name);
        out[i] = (threshold_result){0};
        if (selector_merge(total, &t->sel, &s) >= 0 && id >= 0) {
            metric_type type = metric_get(id)->type;
            bool valid;
            out[i].has_data = series_has_data(&s, type);
            out[i].observed = series_aggregate(&s, type, &t->expr, duration_s, &valid);
            /* as k6: a threshold on a metric with no samples passes */
            out[i].ok = !out[i].has_data || threshold_holds(&t->expr, out[i].observed);
        } else {
            out[i].ok = true;
        }
        series_release(&s);
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
