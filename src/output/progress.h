/* progress.h — live progress on stderr: on a terminal, one line per scenario redrawn each
 * collection tick (elapsed/total as a bar, target and achieved rate, active and maximum VUs,
 * dropped iterations, last second's p99, failed requests); elsewhere a plain line every 10 s.
 * Never writes to stdout. */
#ifndef LT_OUTPUT_PROGRESS_H
#define LT_OUTPUT_PROGRESS_H
#include "metrics/metrics.h"
#include "plan/plan.h"
#include "vu/runtime.h"

typedef struct progress progress;
progress *progress_new(const plan *p, const run_shared *sh, bool tty);
void progress_update(progress *pr, double elapsed, const store *interval, const store *total);
void progress_finish(progress *pr);
void progress_free(progress *pr);
#endif
