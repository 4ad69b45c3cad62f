/* prom_rw_native.c — lt's log-linear histogram as a Prometheus native histogram (the sparse,
 * exponential buckets of prompb.Histogram), for K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM.
 *
 * lt splits each power of two into 512 linear buckets; an exponential schema s splits it into 2^s
 * buckets whose bounds grow by 2^(2^-s). The two grids do not line up, so each lt bucket is moved
 * whole into the exponential bucket that holds its midpoint (after scaling, ms -> s). An
 * observation is thus moved by at most half an lt bucket (1/1024 of its value); with the
 * exponential bucket's own width that bounds the relative error of a quantile read from the
 * result at (2^(2^-s) - 1) + 1/1024: 0.37% at schema 8 (lt's default), 9.2% at schema 3 (the
 * resolution k6's bucket factor of 1.1 gives).
 * The mapping is a pure function of the lt bucket, so cumulative histograms pushed again and
 * again only ever gain counts: Prometheus never sees a spurious counter reset.
 */
#include "output/prom_rw_internal.h"
#include "types.pb-c.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Prometheus' default zero bucket half-width (client_golang's DefNativeHistogramZeroThreshold). */
#define ZERO_THRESHOLD 2.938735877055719e-39
/* Empty buckets up to this many are sent as zero deltas inside a span rather than a new span
 * (a span costs two varints, a zero delta one byte). */
#define MAX_GAP 2

typedef struct {
    int schema;
    double scale;
    int32_t *idx; /* exponential bucket indices, ascending */
    uint64_t *cnt;
    size_t n, cap;
    uint64_t zero; /* lt buckets whose scaled midpoint falls in the zero bucket */
} rebucket;

int prom_rw_native_index(double v, int schema) {
    /* bucket i holds (2^((i-1)/2^s), 2^(i/2^s)] */
    return (int)ceil(ldexp(log2(v), schema));
}

static void on_bucket(double mid_abs, uint64_t count, void *arg) {
    rebucket *r = arg;
    double v = mid_abs * r->scale;
    if (v <= ZERO_THRESHOLD) {
        r->zero += count;
        return;
    }
    int32_t i = prom_rw_native_index(v, r->schema);
    if (r->n && r->idx[r->n - 1] == i) {
        r->cnt[r->n - 1] += count;
        return;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->idx = realloc(r->idx, r->cap * sizeof *r->idx);
        r->cnt = realloc(r->cnt, r->cap * sizeof *r->cnt);
        if (!r->idx || !r->cnt) abort();
    }
    r->idx[r->n] = i;
    r->cnt[r->n] = count;
    r->n++;
}

/* Spans and deltas of one sign's buckets, allocated in the arena. */
static void encode_side(prw_arena *a, const rebucket *r, Prometheus__BucketSpan ***spans,
                        size_t *nspans, int64_t **deltas, size_t *ndeltas) {
    *spans = NULL, *deltas = NULL, *nspans = 0, *ndeltas = 0;
    if (!r->n) return;
    /* upper bounds: one span per bucket, MAX_GAP zero fillers between two buckets */
    size_t max_deltas = r->n * (MAX_GAP + 1);
    Prometheus__BucketSpan **sp = prw_arena_alloc(a, r->n * sizeof *sp);
    int64_t *d = prw_arena_alloc(a, max_deltas * sizeof *d);
    size_t ns = 0, nd = 0;
    uint64_t prev = 0;
    for (size_t k = 0; k < r->n; k++) {
        int64_t gap = k ? (int64_t)r->idx[k] - r->idx[k - 1] - 1 : 0;
        if (k == 0 || gap > MAX_GAP) {
            Prometheus__BucketSpan *s = prw_arena_alloc(a, sizeof *s);
            prometheus__bucket_span__init(s);
            s->offset = k == 0 ? r->idx[0] : (int32_t)gap;
            sp[ns++] = s;
        } else {
            for (int64_t g = 0; g < gap; g++) {
                d[nd++] = -(int64_t)prev;
                prev = 0;
                sp[ns - 1]->length++;
            }
        }
        d[nd++] = (int64_t)(r->cnt[k] - prev);
        prev = r->cnt[k];
        sp[ns - 1]->length++;
    }
    *spans = sp, *nspans = ns, *deltas = d, *ndeltas = nd;
}

struct Prometheus__Histogram *prw_native_histogram(prw_arena *a, const lt_hist *h, double scale,
                                                   int schema, int64_t ts_ms) {
    Prometheus__Histogram *out = prw_arena_alloc(a, sizeof *out);
    prometheus__histogram__init(out);
    out->count_case = PROMETHEUS__HISTOGRAM__COUNT_COUNT_INT;
    out->count_int = hist_count(h);
    out->sum = hist_sum(h) * scale;
    out->schema = schema;
    out->zero_threshold = ZERO_THRESHOLD;
    out->timestamp = ts_ms;
    uint64_t zero = hist_zero_count(h);
    for (unsigned neg = 0; neg < 2; neg++) {
        rebucket r = {.schema = schema, .scale = scale};
        hist_foreach_bucket(h, neg, on_bucket, &r);
        zero += r.zero;
        if (neg)
            encode_side(a, &r, &out->negative_spans, &out->n_negative_spans, &out->negative_deltas,
                        &out->n_negative_deltas);
        else
            encode_side(a, &r, &out->positive_spans, &out->n_positive_spans, &out->positive_deltas,
                        &out->n_positive_deltas);
        free(r.idx);
        free(r.cnt);
    }
    out->zero_count_case = PROMETHEUS__HISTOGRAM__ZERO_COUNT_ZERO_COUNT_INT;
    out->zero_count_int = zero;
    return out;
}
