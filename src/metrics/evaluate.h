/* evaluate.h — aggregates of a metric (or a sub-metric selected by tags) over a store, and the
 * thresholds of a plan checked against them. Pure functions of the store: the same store gives
 * the same verdict, in a run, at its end, or after `lt merge`. */
#ifndef LT_METRICS_EVALUATE_H
#define LT_METRICS_EVALUATE_H
#include "metrics/metrics.h"
#include "metrics/threshold.h"

typedef struct {
    double observed;
    bool has_data;
    bool ok;
} threshold_result;

/* The aggregate `e` names (avg, p(N), count, rate, value, ...) of a merged series. */
double series_aggregate(const series *s, metric_type type, const threshold_expr *e,
                        double duration_s, bool *valid);
/* Selects the series of sel (name and tags) in st, merged into out. Returns -1 when the metric
 * is unknown. */
int selector_merge(const store *st, const metric_selector *sel, series *out);
/* Evaluates the n thresholds of defs; out has n entries. Returns the number failed. */
int thresholds_evaluate(const threshold_def *defs, int n, const store *total, double duration_s,
                        threshold_result *out);
/* Checks that every threshold names a known metric and an aggregate its type has. */
int thresholds_validate(const threshold_def *defs, int n, char *err, size_t errlen);
#endif
