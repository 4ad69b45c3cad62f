/* hist.h — log-linear histogram behind every trend metric.
 *
 * Promises: hist_add is O(1) with no locks and allocates only on the first sample that lands in a
 * new power of two; every reported quantile is within LT_HIST_REL_ERROR (relative) of the exact
 * sample quantile it stands for; count, min, max and sum are exact; hist_merge is exact (bucket
 * counts add), so per-thread and per-machine histograms combine into the same answer as one
 * histogram fed all the samples. Values are doubles in the metric's unit (ms for time trends):
 * positive, zero and negative values are all kept; NaN is ignored.
 * (Also ignored: +-inf, which no quantile or JSON number can carry. Buckets cover
 * 2^-128 <= |v| < 2^128; smaller and larger magnitudes are clamped into the edge buckets, where
 * count, min, max, sum, p(0) and p(100) stay exact but the relative error bound does not hold.)
 * Layout: each power of two [2^e, 2^(e+1)) is split into LT_HIST_SUB linear buckets; a bucket
 * reports its midpoint, clamped to [min, max]. One owner thread writes a histogram at a time.
 */
#ifndef LT_METRICS_HIST_H
#define LT_METRICS_HIST_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define LT_HIST_SUB       512
#define LT_HIST_REL_ERROR (1.0 / 1024.0)

typedef struct lt_hist lt_hist;

lt_hist *hist_new(void);
void hist_free(lt_hist *h);
void hist_reset(lt_hist *h);
void hist_add(lt_hist *h, double v);
/* Adds every sample of src to dst. */
void hist_merge(lt_hist *dst, const lt_hist *src);

uint64_t hist_count(const lt_hist *h);
double hist_min(const lt_hist *h); /* 0 when empty, as k6 */
double hist_max(const lt_hist *h);
double hist_sum(const lt_hist *h);
double hist_mean(const lt_hist *h);
/* Quantile with k6's definition (linear interpolation between the samples at ranks floor and
 * floor+1 of (count-1)*p/100), each sample value taken from its bucket. p in [0, 100]. */
double hist_percentile(const lt_hist *h, double p);

/* Visits every non-empty bucket of one sign (neg 0: positive values, 1: negative), ascending by
 * magnitude, with its midpoint's magnitude and its count; exact zeros are hist_zero_count's.
 * For exporters that re-bucket (Prometheus native histograms). */
typedef void (*hist_bucket_fn)(double mid_abs, uint64_t count, void *ctx);
void hist_foreach_bucket(const lt_hist *h, unsigned neg, hist_bucket_fn fn, void *ctx);
uint64_t hist_zero_count(const lt_hist *h);

/* JSON form, stable and versioned by the summary schema:
 * {"count":N,"min":x,"max":x,"sum":x,"sub":512,"zero":N,
 *  "pos":[[bucket_index,count],...],"neg":[[bucket_index,count],...]}
 * where bucket_index = (exponent + 1100) * LT_HIST_SUB + sub_bucket (ascending, sparse). */
cJSON *hist_to_json(const lt_hist *h);
/* Reads what hist_to_json wrote; NULL with a message in err on any malformed input. */
lt_hist *hist_from_json(const cJSON *j, char *err, size_t errlen);
#endif
