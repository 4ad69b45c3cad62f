/* merge_internal.h — what merge.c (command line, checks, verdict) and merge_series.c (the
 * combination rules, the execution-segment check) share. Not a public interface. */
#ifndef LT_CLI_MERGE_INTERNAL_H
#define LT_CLI_MERGE_INTERNAL_H
#include "metrics/error_tally.h"
#include "metrics/metrics.h"
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* One summary given to lt merge: its text and tree only while it is merged (the first one's tree
 * until the end: its options make the plan). */
typedef struct {
    const char *name; /* as given; "-" is stdin */
    char *text;
    size_t len;
    cJSON *root;
    const char *script; /* in root: valid while root is */
    double time_scale;
    double start, end; /* Unix seconds */
    double duration;   /* duration_s */
    int exit_code;     /* the exit code of the instance's run */
    char *segment;     /* "execution_segment", NULL when the summary has none */
    cJSON *timeline;   /* its "timeline", detached from root (kept as it is: not mergeable) */
} merge_input;

/* What the execution segments of the summaries say about the merged result. */
typedef struct {
    bool missing;     /* the segments do not cover the whole test: the merge is partial */
    char note[512];   /* "segments cover 2/3 of the test; missing: 1/3:2/3", or "" */
    char merged[128]; /* the union when it is one segment ("0:2/3"), else "" */
} segment_check;

/* The execution-segment check. No summary carries a segment: nothing to check (instances that
 * each ran the whole test). Otherwise a summary without one ran all of it ("0:1"); overlapping
 * segments are refused (-1, err naming both files: exit 112), gaps make the result partial. */
int check_segments(const merge_input *in, int n, segment_check *out, char *err, size_t errlen);

/* Adds every series of one summary (of an instance that ended at `end`) to total, by the
 * combination rules of docs/merge.md, registering metrics as the summary types them. gauge_end
 * is the caller's side store: per gauge series, in its sum, the end of the instance whose value
 * the series holds (the last to end wins). 0; 111 (EXIT_REPORT_BAD_INPUT) for a malformed
 * series; 112 (EXIT_MERGE_MISMATCH) for a metric typed differently than before; err says which. */
int merge_series_into(store *total, store *gauge_end, double end, tag_cache *tc, const cJSON *root,
                      char *err, size_t errlen);

/* Adds a summary's "iteration_errors" ({count, top: [{message, count}]}) to t: counts add,
 * messages merge by text; the errors beyond the top ones count in t->total only. */
void merge_iteration_errors(error_tally *t, const cJSON *ie);
#endif
