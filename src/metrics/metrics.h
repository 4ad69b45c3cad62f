/* metrics.h — lt's metric model, as k6's: counters, gauges, rates and trends, each sample tagged.
 *
 * Promises:
 * - Metric definitions and tag sets are interned process-wide and never freed during a run; ids
 *   are stable, so stores from different threads (or machines, by name) merge by key.
 * - A store maps (metric id, tag set id) to an aggregate. Each worker thread owns its own store and
 *   adds samples to it with no lock; once a second it hands the store over (metrics_shard_flush)
 *   and the main thread merges it. Interning a tag set takes a global lock only the first time a
 *   thread sees that tag set (a per-thread cache answers after that).
 * - Memory is bounded: distinct tag sets are capped (metrics_limit_tagsets), and samples past the
 *   cap are folded into overflow sets, never dropped.
 * - Aggregates: counter = sum and number of adds; gauge = last value, min, max; rate = number of
 *   non-zero samples and total samples; trend = an lt_hist of every value.
 */
#ifndef LT_METRICS_METRICS_H
#define LT_METRICS_METRICS_H
#include "metrics/hist.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_RATE, METRIC_TREND } metric_type;

typedef struct {
    int id;
    const char *name;
    metric_type type;
    bool is_time; /* trends of durations, in ms; also "contains":"data" counters use is_data */
    bool is_data; /* data_sent / data_received: bytes */
} metric_def;

/* Registers (or finds) a metric. Returns its id, or -1 with a message when the name is invalid or
 * already registered with another type. Thread-safe. */
int metric_register(const char *name, metric_type type, bool is_time, char *err, size_t errlen);
int metric_find(const char *name); /* -1 when unknown */
const metric_def *metric_get(int id);
int metric_count(void);
const char *metric_type_name(metric_type t); /* "counter", "gauge", "rate", "trend" */
metric_type metric_type_parse(const char *s, bool *ok);

/* The built-in metrics, registered by metrics_init() in this order, so their ids are constants. */
enum {
    M_HTTP_REQS,
    M_HTTP_REQ_DURATION,
    M_HTTP_REQ_BLOCKED,
    M_HTTP_REQ_CONNECTING,
    M_HTTP_REQ_TLS_HANDSHAKING,
    M_HTTP_REQ_SENDING,
    M_HTTP_REQ_WAITING,
    M_HTTP_REQ_RECEIVING,
    M_HTTP_REQ_FAILED,
    M_HTTP_REQ_DURATION_CORRECTED,
    M_SCHEDULE_LAG,
    M_ITERATIONS,
    M_ITERATION_DURATION,
    M_DROPPED_ITERATIONS,
    M_VUS,
    M_VUS_MAX,
    M_DATA_SENT,
    M_DATA_RECEIVED,
    M_CHECKS,
    M_ITERATION_ERRORS, /* lt's: iterations that ended with a script error (k6 has none) */
    M_HTTP_REQ_RETRIES, /* lt's: requests sent again on a fresh connection (net/http_client.h) */
    M_BUILTIN_COUNT
};
void metrics_init(void);

/* ---- tag sets ---- */
typedef struct {
    uint32_t id;
    int n;
    const char *const *keys; /* sorted by key, unique */
    const char *const *vals;
} tagset;

#define TAGSET_MAX 32
const tagset *tagset_get(uint32_t id);
uint32_t tagset_count(void);
const char *tagset_value(const tagset *t, const char *key); /* NULL when absent */

/* A builder for a tag set; later puts of the same key replace earlier ones. */
typedef struct {
    int n;
    const char *keys[TAGSET_MAX];
    const char *vals[TAGSET_MAX];
} tag_builder;
void tags_put(tag_builder *b, const char *key, const char *val);

typedef struct tag_cache tag_cache; /* per thread */
tag_cache *tag_cache_new(void);
void tag_cache_free(tag_cache *c);
/* Interns the builder's set (the strings are copied on first sight, and stored as valid UTF-8:
 * ill-formed sequences become U+FFFD, so outputs never see invalid bytes). */
uint32_t tagset_intern(tag_cache *c, const tag_builder *b);

/* Distinct tag sets are capped (each is a time series per metric that uses it, so memory grows
 * with them): past `max`, a new set is folded into an overflow set that keeps only the tags with
 * few values (scenario, method, status, expected_response, error_code, check) plus
 * series_overflow=true, so every sample is still counted, once. Folded sets are not remembered
 * (per thread only the 512-entry front cache answers them). A warning goes to stderr once past
 * `warn` sets, and a message once at the cap. Defaults: TAGSETS_DEFAULT_MAX, TAGSETS_WARN. */
#define TAGSETS_DEFAULT_MAX 10000
#define TAGSETS_WARN        1000
#define TAG_SERIES_OVERFLOW "series_overflow"
void metrics_limit_tagsets(uint32_t max, uint32_t warn);
uint64_t metrics_tagsets_folded(void); /* interning calls answered with an overflow set */

/* ---- stores ---- */
typedef struct {
    int metric;
    uint32_t tags;
    double sum;       /* counter: total; gauge: last value */
    uint64_t count;   /* counter: adds; rate: total samples; gauge: sets */
    uint64_t nonzero; /* rate */
    double min, max;  /* gauge */
    lt_hist *hist;    /* trend */
} series;

typedef struct store store;
store *store_new(void);
void store_free(store *s);
void store_clear(store *s); /* keeps the memory for reuse */
bool store_empty(const store *s);
void store_add(store *s, int metric, uint32_t tags, double value);
/* The series of (metric, tags), created when absent, for callers that add to the same series
 * many times (series_add): its address stays valid while store_generation(s) is unchanged
 * (clearing the store or adding a series that grows it changes the generation). */
series *store_series(store *s, int metric, uint32_t tags);
uint64_t store_generation(const store *s);
/* Adds one sample to a series, as store_add does; `type` is the series' metric's type. */
static inline void series_add(series *it, metric_type type, double v) {
    switch (type) {
    case METRIC_COUNTER:
        it->sum += v;
        it->count++;
        break;
    case METRIC_GAUGE:
        it->sum = v;
        it->count++;
        if (v < it->min) it->min = v;
        if (v > it->max) it->max = v;
        break;
    case METRIC_RATE:
        it->count++;
        if (v != 0) it->nonzero++;
        break;
    case METRIC_TREND:
        hist_add(it->hist, v);
        break;
    }
}
void store_merge(store *dst, const store *src);
size_t store_len(const store *s);
const series *store_at(const store *s, size_t i); /* in insertion order */
const series *store_find(const store *s, int metric, uint32_t tags);

/* Merges every series of `metric` in `s` whose tags contain all of (keys, vals) into `out`
 * (out->hist allocated for trends; free with series_release). Returns the number merged. */
int store_select(const store *s, int metric, int n, const char *const *keys,
                 const char *const *vals, series *out);
void series_release(series *s);

/* ---- per-thread shards: the hand-over from a worker to the collector ---- */
typedef struct metrics_shard metrics_shard;
metrics_shard *metrics_shard_new(void);
void metrics_shard_free(metrics_shard *m);
store *metrics_shard_store(metrics_shard *m); /* the worker's own store (worker thread only) */
void metrics_shard_flush(metrics_shard *m);   /* worker: hand what was added so far over */
/* collector: merges what was handed over into dst; returns true when anything was. */
bool metrics_shard_collect(metrics_shard *m, store *dst);
#endif
