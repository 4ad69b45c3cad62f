/* metrics_text.c — see metrics_text.h. */
#include "mesim/metrics_text.h"

const double me_hist_bounds[ME_HIST_BUCKETS] = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4,
                                                5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1,
                                                0.2,  0.5,  1,    2,    5,    10};

void me_hist_observe(me_hist *h, double seconds) {
    int i = 0;
    while (i < ME_HIST_BUCKETS && seconds > me_hist_bounds[i]) i++;
    h->counts[i]++;
    h->count++;
    h->sum += seconds;
}

double me_hist_quantile(const me_hist *h, double q) {
    if (!h->count) return 0;
    double rank = q * (double)h->count;
    uint64_t cum = 0;
    for (int i = 0; i < ME_HIST_BUCKETS; i++) {
        uint64_t prev = cum;
        cum += h->counts[i];
        if ((double)cum >= rank) {
            double lo = i ? me_hist_bounds[i - 1] : 0, hi = me_hist_bounds[i];
            if (!h->counts[i]) return lo;
            return lo + (hi - lo) * (rank - (double)prev) / (double)h->counts[i];
        }
    }
    return me_hist_bounds[ME_HIST_BUCKETS - 1];
}

void me_prom_family(struct evbuffer *out, const char *name, const char *type, const char *help) {
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void me_hist_write(struct evbuffer *out, const char *name, const char *labels, const me_hist *h) {
    uint64_t cum = 0;
    for (int i = 0; i < ME_HIST_BUCKETS; i++) {
        cum += h->counts[i];
        evbuffer_add_printf(out, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels, me_hist_bounds[i],
                            (unsigned long long)cum);
    }
    evbuffer_add_printf(out, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
                        (unsigned long long)h->count);
    evbuffer_add_printf(out, "%s_sum{%s} %.9f\n%s_count{%s} %llu\n", name, labels, h->sum, name,
                        labels, (unsigned long long)h->count);
}
