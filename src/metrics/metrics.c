/* metrics.c — metric registry and lock-free per-thread stores; interned tag sets are tagset.c. */
#include "metrics/metrics.h"
#include "metrics/metrics_alloc.h"
#include "base/utf8.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- registry ---------------- */

#define MAX_METRICS 1024
static metric_def g_metrics[MAX_METRICS];
static int g_nmetrics;
static pthread_mutex_t g_reg_lock = PTHREAD_MUTEX_INITIALIZER;

static bool valid_metric_name(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > 128) return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

int metric_register(const char *name, metric_type type, bool is_time, char *err, size_t errlen) {
    if (!name || !valid_metric_name(name)) {
        snprintf(err, errlen, "invalid metric name '%s' (1-128 of [A-Za-z0-9_.-])",
                 name ? name : "");
        return -1;
    }
    pthread_mutex_lock(&g_reg_lock);
    int id = -1;
    for (int i = 0; i < g_nmetrics; i++) {
        if (strcmp(g_metrics[i].name, name) == 0) {
            if (g_metrics[i].type != type) {
                snprintf(err, errlen, "metric '%s' is already a %s, not a %s", name,
                         metric_type_name(g_metrics[i].type), metric_type_name(type));
            } else {
                id = i;
            }
            pthread_mutex_unlock(&g_reg_lock);
            return id;
        }
    }
    if (g_nmetrics == MAX_METRICS) {
        snprintf(err, errlen, "too many metrics (at most %d)", MAX_METRICS);
    } else {
        id = g_nmetrics++;
        g_metrics[id] = (metric_def){.id = id,
                                     .name = strdup(name),
                                     .type = type,
                                     .is_time = is_time && type == METRIC_TREND};
    }
    pthread_mutex_unlock(&g_reg_lock);
    return id;
}

int metric_find(const char *name) {
    pthread_mutex_lock(&g_reg_lock);
    int id = -1;
    for (int i = 0; i < g_nmetrics && id < 0; i++)
        if (strcmp(g_metrics[i].name, name) == 0) id = i;
    pthread_mutex_unlock(&g_reg_lock);
    return id;
}

const metric_def *metric_get(int id) {
    return id >= 0 && id < g_nmetrics ? &g_metrics[id] : NULL;
}
int metric_count(void) {
    return g_nmetrics;
}

const char *metric_type_name(metric_type t) {
    static const char *names[] = {"counter", "gauge", "rate", "trend"};
    return names[t];
}

metric_type metric_type_parse(const char *s, bool *ok) {
    static const char *names[] = {"counter", "gauge", "rate", "trend"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *ok = true;
            return (metric_type)i;
        }
    *ok = false;
    return METRIC_COUNTER;
}

void metrics_init(void) {
    static const struct {
        const char *name;
        metric_type type;
        bool is_time;
    } builtin[M_BUILTIN_COUNT] = {
        [M_HTTP_REQS] = {"http_reqs", METRIC_COUNTER, false},
        [M_HTTP_REQ_DURATION] = {"http_req_duration", METRIC_TREND, true},
        [M_HTTP_REQ_BLOCKED] = {"http_req_blocked", METRIC_TREND, true},
        [M_HTTP_REQ_CONNECTING] = {"http_req_connecting", METRIC_TREND, true},
        [M_HTTP_REQ_TLS_HANDSHAKING] = {"http_req_tls_handshaking", METRIC_TREND, true},
        [M_HTTP_REQ_SENDING] = {"http_req_sending", METRIC_TREND, true},
        [M_HTTP_REQ_WAITING] = {"http_req_waiting", METRIC_TREND, true},
        [M_HTTP_REQ_RECEIVING] = {"http_req_receiving", METRIC_TREND, true},
        [M_HTTP_REQ_FAILED] = {"http_req_failed", METRIC_RATE, false},
        [M_HTTP_REQ_DURATION_CORRECTED] = {"http_req_duration_corrected", METRIC_TREND, true},
        [M_SCHEDULE_LAG] = {"schedule_lag", METRIC_TREND, true},
        [M_ITERATIONS] = {"iterations", METRIC_COUNTER, false},
        [M_ITERATION_DURATION] = {"iteration_duration", METRIC_TREND, true},
        [M_DROPPED_ITERATIONS] = {"dropped_iterations", METRIC_COUNTER, false},
        [M_VUS] = {"vus", METRIC_GAUGE, false},
        [M_VUS_MAX] = {"vus_max", METRIC_GAUGE, false},
        [M_DATA_SENT] = {"data_sent", METRIC_COUNTER, false},
        [M_DATA_RECEIVED] = {"data_received", METRIC_COUNTER, false},
        [M_CHECKS] = {"checks", METRIC_RATE, false},
        [M_ITERATION_ERRORS] = {"iteration_errors", METRIC_COUNTER, false},
        [M_HTTP_REQ_RETRIES] = {"http_req_retries", METRIC_COUNTER, false},
    };
    if (g_nmetrics > 0) return;
    char err[160];
    for (int i = 0; i < M_BUILTIN_COUNT; i++)
        metric_register(builtin[i].name, builtin[i].type, builtin[i].is_time, err, sizeof err);
    g_metrics[M_DATA_SENT].is_data = true;
    g_metrics[M_DATA_RECEIVED].is_data = true;
}

/* ---------------- stores ---------------- */

struct store {
    series *items;
    size_t len, cap;
    lt_hist **spare; /* histograms of cleared series, reset and kept for reuse */
    size_t nspare, spare_cap;
    uint32_t *index; /* open addressing: slot -> item index + 1 (0 = empty) */
    size_t index_cap;
    uint64_t gen; /* changes whenever a series may move or be cleared (store_series) */
};

store *store_new(void) {
    return calloc(1, sizeof(store));
}

void store_free(store *s) {
    if (!s) return;
    for (size_t i = 0; i < s->len; i++) hist_free(s->items[i].hist);
    for (size_t i = 0; i < s->nspare; i++) hist_free(s->spare[i]);
    free(s->spare);
    free(s->items);
    free(s->index);
    free(s);
}

void store_clear(store *s) {
    /* Keep the histograms: a store cleared every second refills the same series, and
     * allocating their buckets again each time costs more than resetting them. */
    for (size_t i = 0; i < s->len; i++) {
        lt_hist *h = s->items[i].hist;
        if (!h) continue;
        hist_reset(h);
        if (s->nspare == s->spare_cap) {
            s->spare_cap = s->spare_cap ? s->spare_cap * 2 : 16;
            s->spare = xrealloc(s->spare, s->spare_cap * sizeof *s->spare);
        }
        s->spare[s->nspare++] = h;
    }
    s->len = 0;
    s->gen++;
    if (s->index) memset(s->index, 0, s->index_cap * sizeof *s->index);
}

bool store_empty(const store *s) {
    return s->len == 0;
}
size_t store_len(const store *s) {
    return s->len;
}
const series *store_at(const store *s, size_t i) {
    return i < s->len ? &s->items[i] : NULL;
}

static inline uint64_t series_hash(int metric, uint32_t tags) {
    uint64_t k = ((uint64_t)(uint32_t)metric << 32) | tags;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static void store_reindex(store *s, size_t cap) {
    free(s->index);
    s->index = calloc(cap, sizeof *s->index);
    if (!s->index) abort();
    s->index_cap = cap;
    for (size_t i = 0; i < s->len; i++) {
        size_t j = series_hash(s->items[i].metric, s->items[i].tags) & (cap - 1);
        while (s->index[j]) j = (j + 1) & (cap - 1);
        s->index[j] = (uint32_t)i + 1;
    }
}

static series *store_slot(store *s, int metric, uint32_t tags, bool create) {
    if (s->index_cap) {
        size_t j = series_hash(metric, tags) & (s->index_cap - 1);
        for (; s->index[j]; j = (j + 1) & (s->index_cap - 1)) {
            series *it = &s->items[s->index[j] - 1];
            if (it->metric == metric && it->tags == tags) return it;
        }
    }
    if (!create) return NULL;
    if ((s->len + 1) * 2 > s->index_cap) store_reindex(s, s->index_cap ? s->index_cap * 2 : 64);
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->items = xrealloc(s->items, s->cap * sizeof *s->items);
        s->gen++; /* every series moved */
    }
    series *it = &s->items[s->len];
    *it = (series){.metric = metric, .tags = tags, .min = INFINITY, .max = -INFINITY};
    const metric_def *d = metric_get(metric);
    if (d && d->type == METRIC_TREND) it->hist = s->nspare ? s->spare[--s->nspare] : hist_new();
    size_t j = series_hash(metric, tags) & (s->index_cap - 1);
    while (s->index[j]) j = (j + 1) & (s->index_cap - 1);
    s->index[j] = (uint32_t)++s->len;
    return it;
}

const series *store_find(const store *s, int metric, uint32_t tags) {
    return store_slot((store *)s, metric, tags, false);
}

void store_add(store *s, int metric, uint32_t tags, double value) {
    const metric_def *d = &g_metrics[metric];
    series_add(store_slot(s, metric, tags, true), d->type, value);
}

series *store_series(store *s, int metric, uint32_t tags) {
    return store_slot(s, metric, tags, true);
}

uint64_t store_generation(const store *s) {
    return s->gen;
}

static void series_merge(series *dst, const series *src, metric_type type) {
    switch (type) {
    case METRIC_COUNTER:
        dst->sum += src->sum;
        dst->count += src->count;
        break;
    case METRIC_GAUGE:
        if (src->count) dst->sum = src->sum;
        dst->count += src->count;
        if (src->min < dst->min) dst->min = src->min;
        if (src->max > dst->max) dst->max = src->max;
        break;
    case METRIC_RATE:
        dst->count += src->count;
        dst->nonzero += src->nonzero;
        break;
    case METRIC_TREND:
        if (!dst->hist) dst->hist = hist_new();
        hist_merge(dst->hist, src->hist);
        break;
    }
}

void store_merge(store *dst, const store *src) {
    for (size_t i = 0; i < src->len; i++) {
        const series *it = &src->items[i];
        series_merge(store_slot(dst, it->metric, it->tags, true), it, g_metrics[it->metric].type);
    }
}

int store_select(const store *s, int metric, int n, const char *const *keys,
                 const char *const *vals, series *out) {
    const metric_def *d = metric_get(metric);
    *out = (series){.metric = metric, .min = INFINITY, .max = -INFINITY};
    if (!d) return 0;
    if (d->type == METRIC_TREND) out->hist = hist_new();
    int merged = 0;
    for (size_t i = 0; i < s->len; i++) {
        const series *it = &s->items[i];
        if (it->metric != metric) continue;
        const tagset *t = tagset_get(it->tags);
        bool match = true;
        for (int k = 0; k < n && match; k++) {
            const char *v = tagset_value(t, keys[k]);
            match = v && strcmp(v, vals[k]) == 0;
        }
        if (!match) continue;
        series_merge(out, it, d->type);
        merged++;
    }
    return merged;
}

void series_release(series *s) {
    hist_free(s->hist);
    s->hist = NULL;
}

/* ---------------- per-thread shards ---------------- */

struct metrics_shard {
    store *own;     /* the worker adds here, no lock */
    store *handoff; /* guarded by lock */
    pthread_mutex_t lock;
};

metrics_shard *metrics_shard_new(void) {
    metrics_shard *m = calloc(1, sizeof *m);
    m->own = store_new();
    m->handoff = store_new();
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_shard_free(metrics_shard *m) {
    if (!m) return;
    store_free(m->own);
    store_free(m->handoff);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

store *metrics_shard_store(metrics_shard *m) {
    return m->own;
}

void metrics_shard_flush(metrics_shard *m) {
    if (store_empty(m->own)) return;
    pthread_mutex_lock(&m->lock);
    if (store_empty(m->handoff)) {
        store *t = m->handoff; /* swap: no copying in the common case */
        m->handoff = m->own;
        m->own = t;
    } else {
        store_merge(m->handoff, m->own);
        store_clear(m->own);
    }
    pthread_mutex_unlock(&m->lock);
}

bool metrics_shard_collect(metrics_shard *m, store *dst) {
    pthread_mutex_lock(&m->lock);
    bool any = !store_empty(m->handoff);
    if (any) {
        store_merge(dst, m->handoff);
        store_clear(m->handoff);
    }
    pthread_mutex_unlock(&m->lock);
    return any;
}
