/* summary_k6.h — the keys of k6's handleSummary(data) in lt's JSON summary, beside lt's own:
 * `root_group` (groups and checks as k6 lays them out), `state`, `setup_data`, and k6's three
 * keys added to lt's `options` (summaryTrendStats, summaryTimeUnit, noColor).
 *
 * Promises:
 * - No lt key is renamed, dropped or reshaped: k6's keys are new keys, and `options` only gains
 *   keys (it stays the resolved options `lt inspect` prints), so lt's readers and k6's reporters
 *   read the same file.
 * - The group tree comes from the `group` tag (k6's "::outer::inner" paths) of every series, and
 *   each check sits in the group of its samples; a check in no group is in the root group (name
 *   and path ""). Paths and ids are k6's: a check's path is its group's path + "::" + its name,
 *   an id is the hex MD5 of the path. Groups and checks keep the order they were first seen.
 */
#ifndef LT_OUTPUT_SUMMARY_K6_H
#define LT_OUTPUT_SUMMARY_K6_H
#include "output/summary.h"

void summary_add_k6_keys(cJSON *root, const summary_input *in);
/* Just the root_group object (also what the tests read). */
cJSON *summary_root_group(const store *total);
#endif
