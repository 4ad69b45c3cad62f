/* progress.h — live progress on stderr: on a terminal, one line per scenario redrawn in place each
 * collection tick (elapsed/total as a bar, target and achieved rate, active and allocated VUs,
 * dropped iterations, last second's p99, failed requests; "waiting, starts in Ns" before its
 * startTime, "done" with the average rate after it), each line cut to the terminal's width so
 * none wraps (a wrapped line would break the cursor-up redraw), one write per frame; elsewhere a
 * plain "lt: ..." line every 10 s at most. Never writes to stdout. Main thread only. It reads
 * the plan and the numbers it is handed, nothing of the runtimes. */
#ifndef LT_OUTPUT_PROGRESS_H
#define LT_OUTPUT_PROGRESS_H
#include "metrics/metrics.h"
#include "plan/plan.h"

/* A scenario's counts right now, as plain numbers (the run reads them from its atomics). */
typedef struct {
    long iterations, dropped; /* iterations done, dropped so far */
    int active_vus, alloc_vus;
} progress_counts;

typedef struct progress progress;
progress *progress_new(const plan *p, bool tty);
/* counts: one per plan scenario. */
void progress_update(progress *pr, double elapsed, const progress_counts *counts,
                     const store *interval, const store *total);
void progress_finish(progress *pr);
void progress_free(progress *pr);
#endif
