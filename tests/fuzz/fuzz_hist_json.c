// fuzz-sources: src/metrics/hist.c
// fuzz-libs: libcjson
/* fuzz_hist_json.c — hist_from_json on arbitrary JSON must never crash; a histogram it accepts
 * must answer every query (monotone percentiles within [min, max]), merge, and serialise back to
 * JSON that reads back, in memory and through text. */
#include "metrics/hist.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    cJSON *j = cJSON_Parse(s);
    free(s);
    if (!j) return 0;
    char err[256];
    err[0] = 0;
    lt_hist *h = hist_from_json(j, err, sizeof err);
    cJSON_Delete(j);
    if (!h) {
        if (!err[0]) abort();
        return 0;
    }
    double prev = hist_percentile(h, 0);
    for (int p = 1; p <= 100; p += 3) {
        double v = hist_percentile(h, p);
        if (v < prev || v < hist_min(h) || v > hist_max(h)) abort(); /* monotone, in [min, max] */
        prev = v;
    }
    (void)hist_percentile(h, 99.99);
    (void)hist_mean(h);
    hist_add(h, 1.5);
    hist_add(h, -2);
    lt_hist *m = hist_new();
    hist_merge(m, h);
    if (hist_count(m) != hist_count(h)) abort();
    cJSON *out = hist_to_json(m);
    lt_hist *back = out ? hist_from_json(out, err, sizeof err) : NULL;
    if (out && !back) {
        fprintf(stderr, "re-read of hist_to_json failed: %s\n", err);
        abort();
    }
    if (back && hist_count(back) != hist_count(h)) abort();
    /* Through text too (cJSON may print min/max/sum an ulp off; that must still read back). */
    char *text = out ? cJSON_PrintUnformatted(out) : NULL;
    cJSON *parsed = text ? cJSON_Parse(text) : NULL;
    lt_hist *back2 = parsed ? hist_from_json(parsed, err, sizeof err) : NULL;
    if (parsed && !back2) {
        fprintf(stderr, "re-read of printed JSON failed: %s\n%s\n", err, text);
        abort();
    }
    if (back2 && hist_count(back2) != hist_count(h)) abort();
    hist_free(back2);
    cJSON_Delete(parsed);
    free(text);
    cJSON_Delete(out);
    hist_free(back);
    hist_free(m);
    hist_free(h);
    return 0;
}
