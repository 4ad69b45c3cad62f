/* handle_summary.h — the script's handleSummary(data), k6's end-of-test hook.
 *
 * Promises:
 * - handleSummary is called in the control runtime with the JSON summary as a Lua table (the same
 *   data --summary-export writes, k6's handleSummary keys included), at most
 *   HANDLE_SUMMARY_TIMEOUT_S seconds (k6's default handleSummaryTimeout).
 * - Its result follows k6's convention: nil means "print the default summary"; a table maps
 *   "stdout", "stderr" or a file path to the string written there (files created or truncated,
 *   written as given, no newline added). Every value is checked before anything is written.
 * - Returns 0 when it returned a table and everything was written (the default text summary is
 *   then not printed), 1 when it returned nil, -1 with err when it failed before writing anything
 *   (a Lua error with file:line, the timeout, a result that is not a table of strings), -2 with err
 *   when a file it named could not be written (the others are still written).
 */
#ifndef LT_CLI_HANDLE_SUMMARY_H
#define LT_CLI_HANDLE_SUMMARY_H
#include "vu/runtime.h"
#include <stddef.h>

#define HANDLE_SUMMARY_TIMEOUT_S 120.0

int handle_summary(runtime *ctl, const char *summary_json, char *err, size_t errlen);
#endif
