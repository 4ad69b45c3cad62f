/* summary_write.h — lt's own JSON printer for the summary tree (a run's --summary-export,
 * handleSummary's data, lt merge's output), in place of cJSON_Print, which spent ~70% of a B2
 * summary's cost (P10: 45-64 ms of a 1 MB summary) formatting numbers with sprintf and reading
 * each back with sscanf.
 *
 * Promises:
 * - The output is cJSON_Print's layout (formatted: a tab per level, "key":<TAB>value, objects one
 *   member a line, arrays inline as "[a, b]"; unformatted: no whitespace, as
 *   cJSON_PrintUnformatted), so the files read and diff as before; parsed, it is the same JSON
 *   value as cJSON's, numbers aside (next point). tests/merge/merge_test.sh compares the two.
 * - Numbers round-trip: an integer of magnitude below 10^15 is written as one ("42"); any other
 *   finite double as the shortest of %.15g, %.16g, %.17g that strtod reads back as exactly that
 *   double (cJSON accepts 15 digits within DBL_EPSILON, so it can lose the last bit); NaN and
 *   infinities are null, as cJSON writes them.
 * - Strings (keys and values) are valid UTF-8 and valid JSON: escaped by utf8_json_escape (base/
 *   utf8.h), ill-formed bytes replaced by U+FFFD (cJSON copies them through unchanged). Raw nodes
 *   (cJSON_CreateRaw) are copied as they are.
 * - One growing buffer, no per-value allocation. NULL when out of memory.
 * - LT_SUMMARY_CJSON=1 in the environment makes summary_print use cJSON_Print /
 *   cJSON_PrintUnformatted instead (the old writer, kept for the comparison test and as a way
 *   back).
 */
#ifndef LT_OUTPUT_SUMMARY_WRITE_H
#define LT_OUTPUT_SUMMARY_WRITE_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* The tree as text, malloc'd and NUL-terminated; its length in *len when len is not NULL. */
char *summary_print(const cJSON *root, bool formatted, size_t *len);
/* The number as summary_print writes it into buf (cap >= 32); returns its length. */
size_t summary_format_number(double v, char *buf, size_t cap);
#endif
