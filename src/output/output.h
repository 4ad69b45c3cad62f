/* output.h — where results go besides the end-of-test summary: one small interface, one file per
 * output (ndjson.c, prom_rw.c, progress.c, ...).
 *
 * Promises: outputs are driven from the main thread only — never from a worker's event loop —
 * once per collection tick (about a second) with the samples of that interval and the totals so
 * far, and once at the end. An output that talks to the network does it on its own thread with a
 * bounded queue, so a slow or absent receiver never delays the load or the summary.
 * A file output (and the summary) checks its path with output_path_check before any traffic, so
 * a path that cannot be written ends the run before it starts, not after it.
 */
#ifndef LT_OUTPUT_OUTPUT_H
#define LT_OUTPUT_OUTPUT_H
#include "metrics/metrics.h"
#include "metrics/threshold.h"
#include <stdbool.h>

typedef struct {
    const char *script;
    double time_scale;
    double started_unix;     /* wall clock at the start of the run */
    double planned_duration; /* seconds, all scenarios, after time scale */
    int nstatic_tags;        /* --tag KEY=VALUE, added to every series an output writes */
    const char *const *static_keys;
    const char *const *static_vals;
    int nthresholds; /* the run's thresholds, for outputs that describe metrics (k6's json) */
    const threshold_def *thresholds;
    const char *execution_segment; /* "1/3:2/3" when the run is one segment, else NULL */
} output_run;

typedef struct output output;
struct output {
    const char *name;
    void *self;
    /* Called once before load. Returns 0, or -1 with a message in err (the run does not start). */
    int (*start)(output *o, const output_run *run, char *err, size_t errlen);
    /* One interval: [t_unix - dt, t_unix). `interval` holds this interval's samples, `total`
     * everything since the start. */
    void (*interval)(output *o, double t_unix, double dt, const store *interval,
                     const store *total);
    /* End of run: flush with a bounded wait; print warnings about anything not delivered. */
    void (*stop)(output *o, const store *total);
    void (*destroy)(output *o);
};

/* Creates an output from a --out argument ("json=FILE", "prometheus-rw[=URL]",
 * "experimental-prometheus-rw[=URL]"). NULL with a message in err when unknown or malformed. */
output *output_create(const char *spec, char *err, size_t errlen);

/* Checks that a file written as a temporary file in the same directory and then renamed over
 * `path` (write_file_atomic, the json output) can be written: `path` is not a directory nor any
 * other non-regular file (a device, a pipe: renaming over it would replace it, not write into it),
 * and its directory takes a new file (tried by creating and removing one, which also catches a
 * read-only file system and, unlike access(2), holds for root). Returns 0, or -1 with err
 * ("PATH is a directory", "cannot create a file in DIR: Permission denied"). */
int output_path_check(const char *path, char *err, size_t errlen);
#endif
