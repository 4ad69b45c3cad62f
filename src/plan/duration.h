/* duration.h — k6 duration strings: "1h2m3.5s", "500ms", "250us", "1.5m", "0". Units: h m s ms
 * us µs ns; a bare number in a string is milliseconds ("30" = 30 ms), as k6 reads it. Negative,
 * empty and malformed strings are errors. Never crashes on any input. */
#ifndef LT_PLAN_DURATION_H
#define LT_PLAN_DURATION_H
#include <stddef.h>

/* Parses s into seconds. Returns 0, or -1 with a message in err. */
int duration_parse(const char *s, double *seconds, char *err, size_t errlen);
/* Formats seconds the way k6 prints durations ("1m30s", "500ms", "2h0m0s"). */
const char *duration_format(double seconds, char *buf, size_t len);
#endif
