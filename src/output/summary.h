/* summary.h — the end-of-test summary: text for people (stderr) and JSON for tools
 * (--summary-export, schema "lt-summary/1", documented in docs/lua-api.md and README.md).
 *
 * Promises: the JSON holds every metric with k6's value names, every sub-metric a threshold
 * names, every series (tag set) of every metric, the checks, the thresholds with `ok`, the
 * resolved options, per-scenario counts, and each trend's full histogram, so summaries of several
 * runs or machines merge exactly; and the keys of k6's handleSummary(data) (summary_k6.h), so
 * k6's summary tools read it too. Files are written atomically (temporary file, then rename).
 */
#ifndef LT_OUTPUT_SUMMARY_H
#define LT_OUTPUT_SUMMARY_H
#include "metrics/evaluate.h"
#include "metrics/metrics.h"
#include "plan/plan.h"
#include <cjson/cJSON.h>
#include <stdio.h>

/* One kind of iteration error: its message (file:line: text, no traceback) and how often. */
typedef struct {
    const char *message;
    long count;
} summary_error;

typedef struct {
    const char *script;
    const plan *plan;
    const store *total;
    double duration_s;
    double started_unix;
    bool partial;
    int exit_code;
    const threshold_result *thresholds;
    const long *scenario_iterations; /* per plan scenario */
    const long *scenario_dropped;
    const long *scenario_interrupted; /* iterations cut short (gracefulStop, hard stop); NULL: 0 */
    const char *abort_reason;
    long iteration_errors;           /* iterations that ended with a script error, all threads */
    const summary_error *top_errors; /* the most frequent messages, most frequent first */
    int ntop_errors;
    const struct timeline *timeline; /* the "timeline" key (output/timeline.h); NULL: none */
    /* for k6's handleSummary keys (summary_k6.h) */
    bool stdout_tty, stderr_tty, no_color;
    const char *setup_json; /* what setup() returned, as JSON; NULL: nothing */
    /* --tag KEY=VALUE: the instance's labels, the summary's top-level "tags" (absent: none) */
    int ntags;
    const char *const *tag_keys, *const *tag_vals;
} summary_input;

cJSON *summary_json(const summary_input *in);
void summary_print_text(FILE *out, const summary_input *in, bool color);
/* Writes text to path atomically ("-" = stdout). Returns 0, or -1 with err. */
int write_file_atomic(const char *path, const char *text, char *err, size_t errlen);
#endif
