// fuzz-sources: src/plan/duration.c
/* fuzz_duration.c — duration_parse must never crash; what it accepts must format and parse back
 * to the same value: exactly below 10^6 s (whole nanoseconds survive the double), within 1e-15
 * relative above it. */
#include "plan/duration.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    double sec;
    char err[128];
    if (duration_parse(s, &sec, err, sizeof err) == 0) {
        char buf[64];
        double back;
        if (!(sec >= 0)) abort();
        duration_format(sec, buf, sizeof buf);
        if (duration_parse(buf, &back, err, sizeof err) != 0 ||
            (sec < 1e6 ? back != sec : fabs(back - sec) > sec * 1e-15)) {
            fprintf(stderr, "round trip: %s -> %.17g -> %s\n", s, sec, buf);
            abort();
        }
    } else if (!err[0]) {
        abort(); /* a rejection always says why */
    }
    if (size >= 8) { /* any double, into a buffer of any small size */
        double d;
        memcpy(&d, data, sizeof d);
        duration_format(d, err, size % 40);
    }
    free(s);
    return 0;
}
