/* metrics.c — metric registry, interned tag sets, lock-free per-thread stores. */
#include "metrics/metrics.h"
#include "base/utf8.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "lt: out of memory\n");
        abort();
    }
    return q;
}

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

/* ---------------- tag sets ---------------- */

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* Canonical text of a builder: sorted "key\0value\0" pairs, the key of the intern tables. */
typedef struct {
    char *buf;
    size_t len, cap;
} text;

static void text_put(text *t, const char *s) {
    size_t n = strlen(s) + 1;
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2;
        t->buf = xrealloc(t->buf, t->cap);
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static int sort_order(const tag_builder *b, int *idx) {
    int n = 0;
    for (int i = 0; i < b->n; i++) {
        if (!b->vals[i]) continue;
        /* later puts win: tags_put already replaced in place, so keys are unique */
        int j = n++;
        while (j > 0 && strcmp(b->keys[idx[j - 1]], b->keys[i]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    return n;
}

void tags_put(tag_builder *b, const char *key, const char *val) {
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->keys[i], key) == 0) {
            b->vals[i] = val;
            return;
        }
    if (b->n == TAGSET_MAX) return; /* silently bounded: TAGSET_MAX is far above real use */
    b->keys[b->n] = key;
    b->vals[b->n] = val;
    b->n++;
}

typedef struct {
    char *key;
    size_t keylen;
    uint64_t hash;
    uint32_t id;
} intern_slot;

typedef struct {
    intern_slot *slots;
    size_t cap, used;
} intern_map;

static intern_slot *imap_find(intern_map *m, const char *key, size_t len, uint64_t h) {
    if (!m->cap) return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        intern_slot *s = &m->slots[i];
        if (!s->key) return NULL;
        if (s->hash == h && s->keylen == len && memcmp(s->key, key, len) == 0) return s;
    }
}

static void imap_put(intern_map *m, char *key, size_t len, uint64_t h, uint32_t id) {
    if ((m->used + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        intern_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns) abort();
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].key) continue;
            size_t j = m->slots[i].hash & (ncap - 1);
            while (ns[j].key) j = (j + 1) & (ncap - 1);
            ns[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key) j = (j + 1) & (m->cap - 1);
    m->slots[j] = (intern_slot){key, len, h, id};
    m->used++;
}

static pthread_mutex_t g_tag_lock = PTHREAD_MUTEX_INITIALIZER;
static intern_map g_tag_map;
static tagset **g_tagsets;
static uint32_t g_ntagsets, g_tagsets_cap;

/* A front cache answers a tag set seen before from a 64-bit hash of its text in builder order,
 * skipping the sort and the canonical text (most samples repeat the previous tag sets). */
#define FRONT_SIZE 512
typedef struct {
    uint64_t hash;
    uint32_t id;
    bool used;
} front_slot;

struct tag_cache {
    intern_map map;
    text scratch;
    front_slot front[FRONT_SIZE];
};

tag_cache *tag_cache_new(void) {
    tag_cache *c = calloc(1, sizeof(tag_cache));
    c->scratch.cap = 256; /* never NULL, so the empty tag set hashes and copies like any other */
    c->scratch.buf = malloc(c->scratch.cap);
    return c;
}

void tag_cache_free(tag_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->map.cap; i++) free(c->map.slots[i].key);
    free(c->map.slots);
    free(c->scratch.buf);
    free(c);
}

/* Stores a new tag set from its canonical text (n pairs) under the lock; returns its id. */
static uint32_t add_tagset(const char *key, size_t len, uint64_t h, int n) {
    char *copy = malloc(len ? len : 1);
    memcpy(copy, key, len);
    tagset *t = calloc(1, sizeof *t);
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    const char **vals = calloc(n ? n : 1, sizeof *vals);
    const char *p = copy;
    for (int i = 0; i < n; i++) {
        keys[i] = p;
        p += strlen(p) + 1;
        vals[i] = p;
        p += strlen(p) + 1;
    }
    if (g_ntagsets == g_tagsets_cap) {
        g_tagsets_cap = g_tagsets_cap ? g_tagsets_cap * 2 : 256;
        g_tagsets = xrealloc(g_tagsets, g_tagsets_cap * sizeof *g_tagsets);
    }
    uint32_t id = g_ntagsets;
    *t = (tagset){.id = id, .n = n, .keys = keys, .vals = vals};
    g_tagsets[g_ntagsets++] = t;
    imap_put(&g_tag_map, copy, len, h, id);
    return id;
}

/* A set whose text is not valid UTF-8 (a tag value, check name or URL from a script or a server)
 * is stored repaired, each ill-formed sequence as U+FFFD (base/utf8.h), so every output writes
 * valid UTF-8; the raw text becomes another key of the repaired set. This runs once per distinct
 * raw set, when the process first sees it (under the lock, never on the hot path). Raw sets that
 * repair alike share one id; keys that become equal keep one pair (the last in key order). */
static uint32_t add_repaired(const char *raw, size_t len, uint64_t h, int n) {
    char *arena = malloc(3 * len + 1); /* repair at most triples the text */
    tag_builder b = {0};
    size_t pos = 0;
    const char *p = raw;
    for (int i = 0; i < n; i++) {
        const char *part[2];
        for (int k = 0; k < 2; k++) {
            size_t l = strlen(p);
            part[k] = arena + pos;
            pos += utf8_repair(arena + pos, p, l);
            arena[pos++] = 0;
            p += l + 1;
        }
        tags_put(&b, part[0], part[1]);
    }
    int idx[TAGSET_MAX];
    int m = sort_order(&b, idx);
    text t = {0};
    for (int i = 0; i < m; i++) {
        text_put(&t, b.keys[idx[i]]);
        text_put(&t, b.vals[idx[i]]);
    }
    uint64_t rh = hash_bytes(0xcbf29ce484222325ULL, t.buf ? t.buf : "", t.len);
    intern_slot *s = imap_find(&g_tag_map, t.buf ? t.buf : "", t.len, rh);
    uint32_t id = s ? s->id : add_tagset(t.buf ? t.buf : "", t.len, rh, m);
    char *alias = malloc(len ? len : 1);
    memcpy(alias, raw, len);
    imap_put(&g_tag_map, alias, len, h, id);
    free(t.buf);
    free(arena);
    return id;
}

/* ---- the cap on distinct tag sets (metrics_limit_tagsets) ---- */
static uint32_t g_max_tagsets = TAGSETS_DEFAULT_MAX, g_warn_tagsets = TAGSETS_WARN;
static bool g_warned, g_capped;
static uint64_t g_folded; /* interning calls answered with an overflow set */

void metrics_limit_tagsets(uint32_t max, uint32_t warn) {
    pthread_mutex_lock(&g_tag_lock);
    g_max_tagsets = max;
    g_warn_tagsets = warn;
    pthread_mutex_unlock(&g_tag_lock);
}

uint64_t metrics_tagsets_folded(void) {
    pthread_mutex_lock(&g_tag_lock);
    uint64_t n = g_folded;
    pthread_mutex_unlock(&g_tag_lock);
    return n;
}

/* Tags an overflow set keeps: few values each, so the folded sets stay few (the scenario, the
 * request's method and outcome, the check), and k6's thresholds on them still see every sample. */
static bool kept_when_folded(const char *key) {
    static const char *keep[] = {"scenario",   "method", "status", "expected_response",
                                 "error_code", "check",  NULL};
    for (const char **k = keep; *k; k++)
        if (strcmp(key, *k) == 0) return true;
    return false;
}

/* The canonical text (sorted pairs) of a set past the cap, folded: its kept tags plus
 * series_overflow=true, in key order. */
static void fold_text(const char *key, size_t len, int n, text *out, int *nout) {
    const char *p = key, *end = key + len;
    bool marked = false;
    *nout = 0;
    for (int i = 0; i < n && p < end; i++) {
        const char *k = p, *v = p + strlen(p) + 1;
        p = v + strlen(v) + 1;
        if (!marked && strcmp(k, TAG_SERIES_OVERFLOW) > 0) {
            text_put(out, TAG_SERIES_OVERFLOW);
            text_put(out, "true");
            marked = true;
            (*nout)++;
        }
        if (!kept_when_folded(k)) continue;
        text_put(out, k);
        text_put(out, v);
        (*nout)++;
    }
    if (!marked) {
        text_put(out, TAG_SERIES_OVERFLOW);
        text_put(out, "true");
        (*nout)++;
    }
}

/* Looks the set up, or adds it (repaired when it is not valid UTF-8). Under the lock. */
static uint32_t find_or_add(const char *key, size_t len, uint64_t h, int n) {
    intern_slot *s = imap_find(&g_tag_map, key, len, h);
    if (s) return s->id;
    return utf8_valid(key, len) ? add_tagset(key, len, h, n) : add_repaired(key, len, h, n);
}

static void warn_tagsets(void) {
    if (!g_warned && g_ntagsets >= g_warn_tagsets) {
        g_warned = true;
        fprintf(stderr,
                "lt: warning: %u distinct tag sets so far (each a time series per metric): "
                "memory grows with each; give URLs with IDs one `name` tag (params.name)\n",
                g_ntagsets);
    }
}

/* *folded: the set is past the cap and the id is its overflow set's (not to be cached by set). */
static uint32_t intern_global(const char *key, size_t len, uint64_t h, int n, bool *folded) {
    pthread_mutex_lock(&g_tag_lock);
    intern_slot *s = imap_find(&g_tag_map, key, len, h);
    uint32_t id;
    *folded = false;
    if (s) {
        id = s->id;
    } else if (g_ntagsets < g_max_tagsets) {
        id = find_or_add(key, len, h, n);
        warn_tagsets();
    } else {
        if (!g_capped) {
            g_capped = true;
            fprintf(stderr,
                    "lt: %u distinct tag sets reached the cap (maxTagSets, --max-tag-sets): "
                    "samples with new tag sets go to one series per metric tagged %s=true "
                    "(keeping scenario, method, status, expected_response, error_code, check), "
                    "so counts stay exact and memory bounded; give URLs with IDs one `name` tag\n",
                    g_max_tagsets, TAG_SERIES_OVERFLOW);
        }
        text t = {0};
        int m;
        fold_text(key, len, n, &t, &m);
        uint64_t fh = hash_bytes(0xcbf29ce484222325ULL, t.buf, t.len);
        id = find_or_add(t.buf, t.len, fh, m);
        free(t.buf);
        g_folded++;
        *folded = true;
    }
    pthread_mutex_unlock(&g_tag_lock);
    return id;
}

static uint64_t builder_hash(const tag_builder *b) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < b->n; i++) {
        if (!b->vals[i]) continue;
        for (const char *p = b->keys[i]; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
        h = (h ^ 0xff) * 0x100000001b3ULL;
        for (const char *p = b->vals[i]; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
        h = (h ^ 0xfe) * 0x100000001b3ULL;
    }
    return h;
}

uint32_t tagset_intern(tag_cache *c, const tag_builder *b) {
    uint64_t fh = builder_hash(b);
    front_slot *fs = &c->front[fh & (FRONT_SIZE - 1)];
    if (fs->used && fs->hash == fh) return fs->id;
    int idx[TAGSET_MAX];
    int n = sort_order(b, idx);
    c->scratch.len = 0;
    for (int i = 0; i < n; i++) {
        text_put(&c->scratch, b->keys[idx[i]]);
        text_put(&c->scratch, b->vals[idx[i]]);
    }
    size_t len = c->scratch.len;
    uint64_t h = hash_bytes(0xcbf29ce484222325ULL, c->scratch.buf ? c->scratch.buf : "", len);
    intern_slot *s = imap_find(&c->map, c->scratch.buf, len, h);
    uint32_t id;
    if (s) {
        id = s->id;
    } else {
        bool folded;
        id = intern_global(c->scratch.buf, len, h, n, &folded);
        if (!folded) { /* a folded set is not kept: memory stays bounded past the cap */
            char *copy = malloc(len ? len : 1);
            memcpy(copy, c->scratch.buf, len);
            imap_put(&c->map, copy, len, h, id);
        }
    }
    *fs = (front_slot){fh, id, true};
    return id;
}

const tagset *tagset_get(uint32_t id) {
    pthread_mutex_lock(&g_tag_lock);
    const tagset *t = id < g_ntagsets ? g_tagsets[id] : NULL;
    pthread_mutex_unlock(&g_tag_lock);
    return t;
}

uint32_t tagset_count(void) {
    pthread_mutex_lock(&g_tag_lock);
    uint32_t n = g_ntagsets;
    pthread_mutex_unlock(&g_tag_lock);
    return n;
}

const char *tagset_value(const tagset *t, const char *key) {
    for (int i = 0; t && i < t->n; i++)
        if (strcmp(t->keys[i], key) == 0) return t->vals[i];
    return NULL;
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
