/* metrics_text.h — Prometheus text exposition helpers and a fixed-bucket latency histogram.
 *
 * Promises: me_prom_family writes the HELP and TYPE lines of one family; me_hist_write writes a
 * histogram's cumulative _bucket lines (ending in le="+Inf"), _sum and _count, in the form
 * `promtool check metrics` accepts. A histogram has one writer thread; buckets span 1 us to 10 s
 * (1-2-5 steps), suited to per-order matching times.
 */
#ifndef MESIM_METRICS_TEXT_H
#define MESIM_METRICS_TEXT_H
#include <event2/buffer.h>
#include <stdint.h>

#define ME_HIST_BUCKETS 22

typedef struct {
    uint64_t counts[ME_HIST_BUCKETS + 1]; /* last: above the top bound */
    uint64_t count;
    double sum;
} me_hist;

extern const double me_hist_bounds[ME_HIST_BUCKETS];

void me_hist_observe(me_hist *h, double seconds);
/* Quantile estimated the way PromQL's histogram_quantile does (linear within a bucket). */
double me_hist_quantile(const me_hist *h, double q);

void me_prom_family(struct evbuffer *out, const char *name, const char *type, const char *help);
/* labels: the label pairs without braces, e.g. `shard="a"`. */
void me_hist_write(struct evbuffer *out, const char *name, const char *labels, const me_hist *h);

#endif
