/* error_tally.h — how often each error message occurred: the iteration errors of one thread,
 * merged across threads at the end of a run for the summary's "top messages".
 *
 * Promises:
 * - Bounded: at most ERROR_TALLY_KINDS distinct messages are tallied, each kept to its first line
 *   and at most ERROR_MESSAGE_MAX - 1 bytes, cut at a character boundary and repaired to valid
 *   UTF-8 (src/base/utf8.h), so a message is ready for a JSON file as it is.
 * - Exact totals: `total` counts every error added, also those whose message came after the table
 *   was full (they are in no kind); each kind's count is exact.
 * - No allocation, no global state, no locks: one tally per thread, merged once the threads ended.
 */
#ifndef LT_METRICS_ERROR_TALLY_H
#define LT_METRICS_ERROR_TALLY_H
#include <stddef.h>
#include <stdint.h>

#define ERROR_TALLY_KINDS 64
#define ERROR_MESSAGE_MAX 256

typedef struct {
    uint64_t hash; /* of message, to compare 8 bytes before the text */
    long count;
    char message[ERROR_MESSAGE_MAX];
} error_kind;

typedef struct {
    long total; /* every error added, tallied by kind or not */
    int n;      /* kinds in use, in order of first sight */
    error_kind kinds[ERROR_TALLY_KINDS];
} error_tally;

/* Counts `count` errors with message msg (len bytes; only its first line is kept). */
void error_tally_add(error_tally *t, const char *msg, size_t len, long count);
/* Adds every count of src into dst (kinds new to dst come after dst's own, in src's order). */
void error_tally_merge(error_tally *dst, const error_tally *src);
/* Fills out with up to max kinds, most frequent first (a tie: the one seen first); returns how
 * many. The pointers stay valid while t is unchanged. */
int error_tally_top(const error_tally *t, const error_kind **out, int max);
#endif
