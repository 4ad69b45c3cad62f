/* evaluate.h — aggregates of a metric (or a sub-metric selected by tags) over a store, and the
 * thresholds of a plan checked against them. Pure functions of the store: the same store gives
 * the same verdict, in a run, at its end, or after `lt merge`.
 *
 * Promises:
 * - No threshold passes without data. What is defined over no samples is evaluated (`count` of
 *   nothing is 0, also for a selector whose tags match no series, as `http_reqs{status:500}` with
 *   no 500; a counter's `rate` over a run of known length is 0/s); what is not — avg, min, max,
 *   med, p(N), a gauge's value, a rate metric's rate over no samples — is "no data": not ok, with
 *   the reason ("no series has these tags" when the selector matched nothing: a typo?).
 * - "No data" is never "crossed": abortOnFail acts only on a threshold computed and not holding
 *   (threshold_crossed), so a sub-metric whose samples have not come yet does not stop a run; the
 *   final verdict counts no data as failed (k6 passes it: k6 issues 1346, 4283). */
#ifndef LT_METRICS_EVALUATE_H
#define LT_METRICS_EVALUATE_H
#include "metrics/metrics.h"
#include "metrics/threshold.h"

/* Why a threshold could not be computed. */
typedef enum {
    THRESHOLD_COMPUTED,   /* it has a value */
    THRESHOLD_NO_SAMPLES, /* the aggregate of no samples is undefined (p(99) of nothing) */
    THRESHOLD_NO_SERIES,  /* the selector's tags match no series (a typo, or nothing sent yet) */
    THRESHOLD_NO_METRIC   /* the metric is unknown (thresholds_validate rejects this up front) */
} threshold_data;

typedef struct {
    double observed; /* NAN when no_data */
    bool has_data;   /* the selected series hold at least one sample */
    bool no_data;    /* the aggregate could not be computed: why says why */
    threshold_data why;
    int series_matched; /* series the selector matched (0 with tags: a typo, or none came) */
    bool ok;            /* computed and holds */
} threshold_result;

/* The reason of a no-data result in words ("no samples", ...); "" when computed. */
const char *threshold_no_data_reason(const threshold_result *r);
/* Computed and not holding: what abortOnFail acts on during a run (no data yet never is). */
bool threshold_crossed(const threshold_result *r);

/* The aggregate `e` names (avg, p(N), count, rate, value, ...) of a merged series. valid: the
 * aggregate exists for the type (an empty series gives 0 for any; see series_aggregate_defined). */
double series_aggregate(const series *s, metric_type type, const threshold_expr *e,
                        double duration_s, bool *valid);
/* Whether the aggregate has a value over s: count always, a counter's rate when duration_s > 0,
 * everything else only over at least one sample. */
bool series_aggregate_defined(const series *s, metric_type type, const threshold_expr *e,
                              double duration_s);
/* Selects the series of sel (name and tags) in st, merged into out. Returns -1 when the metric
 * is unknown. */
int selector_merge(const store *st, const metric_selector *sel, series *out);
/* Evaluates the n thresholds of defs; out has n entries. Returns the number not ok (no data
 * included). */
int thresholds_evaluate(const threshold_def *defs, int n, const store *total, double duration_s,
                        threshold_result *out);
/* Checks that every threshold names a known metric and an aggregate its type has. */
int thresholds_validate(const threshold_def *defs, int n, char *err, size_t errlen);
#endif
