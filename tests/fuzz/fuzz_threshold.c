// fuzz-sources: src/metrics/threshold.c
/* fuzz_threshold.c — threshold_parse and selector_parse must never crash; accepted expressions
 * must print back to something that parses to the same expression. */
#include "metrics/threshold.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char err[160];
    threshold_expr t;
    err[0] = 0;
    if (threshold_parse(s, &t, err, sizeof err) == 0) {
        char name[48], again[128];
        threshold_expr t2;
        snprintf(again, sizeof again, "%s %s %.17g", threshold_agg_name(&t, name, sizeof name),
                 threshold_op_name(t.op), t.target);
        if (threshold_parse(again, &t2, err, sizeof err) != 0 || t2.agg != t.agg || t2.op != t.op ||
            t2.target != t.target || (t.agg == AGG_PCT && t2.pct != t.pct)) {
            fprintf(stderr, "round trip: %s -> %s\n", s, again);
            abort();
        }
        (void)threshold_holds(&t, (double)size);
    } else if (!err[0]) {
        abort();
    }
    metric_selector sel;
    err[0] = 0;
    if (selector_parse(s, &sel, err, sizeof err) == 0) {
        if (sel.ntags < 0 || sel.ntags > SELECTOR_MAX_TAGS || !sel.name[0]) abort();
        for (int i = 0; i < sel.ntags; i++)
            if (!sel.tags[i].key[0] || strlen(sel.tags[i].key) >= sizeof sel.tags[i].key) abort();
    } else if (!err[0]) {
        abort();
    }
    free(s);
    return 0;
}
