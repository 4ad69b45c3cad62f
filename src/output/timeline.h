/* timeline.h — the summary's per-interval timeline: a compact time series of the key series
 * (requests, failures, p50/p99 latency, per-scenario target rate, iterations, drops and VUs, user
 * trends, scraped gauges, timeline actions), so one summary file is enough to draw a run's charts.
 * Written by summary.c as the "timeline" key (docs/outputs.md, "The summary's timeline").
 *
 * Promises:
 * - Fed from the main thread once a collection tick with that interval's store, as an output is.
 *   A tick at t seconds after the load started belongs to second max(1, round(t)); a point spans
 *   `interval_s` whole seconds and is stamped with the end of its span.
 * - Never more than TIMELINE_MAX_POINTS points: when a run passes them, interval_s doubles and
 *   adjacent points merge. Counts merge by sum, so they stay exact (the sum of `http.reqs` is the
 *   summary's http_reqs count); percentiles stay true to their wider window, because each point
 *   keeps its trend histograms (compact, sparse) and merging adds them exactly (metrics/hist.h).
 * - Bounded memory: O(points x series). At most TIMELINE_MAX_SCRAPED scraped series (then
 *   "scraped_truncated"), TIMELINE_MAX_TRENDS user trends and TIMELINE_MAX_EVENTS events; nothing
 *   is kept per request.
 */
#ifndef LT_OUTPUT_TIMELINE_H
#define LT_OUTPUT_TIMELINE_H
#include "metrics/metrics.h"
#include "plan/plan.h"
#include <cjson/cJSON.h>
#include <stdbool.h>

#define TIMELINE_MAX_POINTS  600
#define TIMELINE_MAX_SCRAPED 200
#define TIMELINE_MAX_TRENDS  32
#define TIMELINE_MAX_EVENTS  1000

typedef struct timeline timeline;

/* The run's scenarios come from the plan, which must outlive the timeline. */
timeline *timeline_new(const plan *p);
void timeline_free(timeline *tl);

/* What one tick knows besides its store: per plan scenario, whether it started and when (seconds
 * after the load start), and its VUs now. NULL arrays: not started, no VUs. */
typedef struct {
    const bool *started;
    const double *start_s;
    const int *vus;
} timeline_scenarios;

/* One collection tick at t seconds after the load started. `is_scraped(metric, arg)` says whether
 * a gauge came from target scraping (NULL: none did), asked once per metric. `final`: the
 * collection after the run, whose VU counts say nothing about the point it lands in, unless the
 * point is new. */
void timeline_collect(timeline *tl, double t, const store *interval, const timeline_scenarios *sc,
                      bool (*is_scraped)(int metric, void *arg), void *arg, bool final);

/* A timeline action (options.timeline) that ran at t seconds; exec may be NULL. */
void timeline_event(timeline *tl, double t, const char *exec, const kv_list *tags);

/* The "timeline" object of the summary (schema in docs/outputs.md). */
cJSON *timeline_json(const timeline *tl);
#endif
