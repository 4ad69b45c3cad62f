/* tagset.c — interned tag sets (metrics.h): a builder's pairs in canonical (sorted) text, one id
 * per distinct set for the whole process, found through a per-thread front cache before the
 * shared table and its lock; past metrics_limit_tagsets' cap, new sets fold into
 * series_overflow=true ones. Invalid UTF-8 in keys and values is repaired before interning. */
#include "base/name_map.h"
#include "base/utf8.h"
#include "metrics/metrics.h"
#include "metrics/metrics_alloc.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    uint64_t rh = fnv1a_more(FNV1A_OFFSET, t.buf ? t.buf : "", t.len);
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
        uint64_t fh = fnv1a_more(FNV1A_OFFSET, t.buf, t.len);
        id = find_or_add(t.buf, t.len, fh, m);
        free(t.buf);
        g_folded++;
        *folded = true;
    }
    pthread_mutex_unlock(&g_tag_lock);
    return id;
}

static uint64_t builder_hash(const tag_builder *b) {
    uint64_t h = FNV1A_OFFSET;
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
    uint64_t h = fnv1a_more(FNV1A_OFFSET, c->scratch.buf ? c->scratch.buf : "", len);
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
