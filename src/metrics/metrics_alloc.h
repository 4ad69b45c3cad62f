/* metrics_alloc.h — the metrics module's realloc: the registry, the tag sets and the stores grow
 * on the load path, where an allocation failure cannot be reported to anyone usefully, so it
 * ends the process with a message instead of returning NULL. Inside src/metrics only. */
#ifndef LT_METRICS_ALLOC_H
#define LT_METRICS_ALLOC_H
#include <stdio.h>
#include <stdlib.h>

static inline void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "lt: out of memory\n");
        abort();
    }
    return q;
}
#endif
