/* merge.h — `lt merge`: one summary of a distributed test from the summaries of its instances.
 *
 * Promises: reads every FILE (or stdin for "-") whole; refuses summaries that cannot describe one
 * test (different script, time scale or options; overlapping execution segments) naming the
 * files; rebuilds one metric store from every summary's `series` (counters and rates add, trend
 * histograms merge exactly, gauges as docs/merge.md says), judges the thresholds again on it and
 * writes the merged summary with the run's own writer (summary_json), so the schema is the same.
 * Exit codes: 0 every threshold held, 99 one failed, 2 usage, 104 a --threshold on an unknown
 * metric or with an aggregate its type lacks or an -o that cannot be written, 111 a file
 * unreadable, not JSON, truncated or not an lt summary, 112 summaries that cannot be merged. */
#ifndef LT_CLI_MERGE_H
#define LT_CLI_MERGE_H

enum { EXIT_MERGE_MISMATCH = 112 };

/* argv[0] is "merge"; the rest are merge's own flags and files. */
int merge_main(int argc, char **argv);
#endif
