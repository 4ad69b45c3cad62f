/* prom_rw_encode.c — the prometheus-rw output's encoding (main thread): series names as k6
 * names them, label names sanitised, trend stats, and a WriteRequest built from the metric
 * stores, packed as protobuf and snappy-compressed into a batch. See prom_rw.c for the series.
 */
#include "output/prom_rw_internal.h"
#include "remote.pb-c.h"
#include "types.pb-c.h"
#include <errno.h>
#include <math.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

void prom_rw_sanitize_name(const char *in, char *out, size_t outlen) {
    if (outlen == 0) return;
    size_t j = 0;
    if (in[0] == '_' && in[1] == '_') {
        snprintf(out, outlen, "tag");
        j = strlen(out);
    } else if (in[0] >= '0' && in[0] <= '9' && j + 1 < outlen) {
        out[j++] = '_';
    }
    for (size_t i = 0; in[i] && j + 1 < outlen; i++) {
        char c = in[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out[j++] = ok ? c : '_';
    }
    if (j == 0 && outlen > 1) out[j++] = '_';
    out[j] = '\0';
}

int prom_rw_stat_suffix(const char *stat, char *out, size_t outlen) {
    static const char *const plain[] = {"avg", "min", "max", "med", "count", "sum"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (strcmp(stat, plain[i]) == 0) {
            snprintf(out, outlen, "%s", stat);
            return 0;
        }
    size_t l = strlen(stat);
    if (l < 4 || strncmp(stat, "p(", 2) != 0 || stat[l - 1] != ')') return -1;
    char num[32];
    if (l - 3 >= sizeof num) return -1;
    memcpy(num, stat + 2, l - 3);
    num[l - 3] = '\0';
    char *end;
    errno = 0;
    double p = strtod(num, &end);
    if (end == num || *end || errno || !(p >= 0 && p <= 100)) return -1;
    for (const char *c = num; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.')) return -1;
    size_t j = 0;
    if (outlen < 2) return -1;
    out[j++] = 'p';
    for (const char *c = num; *c && j + 1 < outlen; c++)
        if (*c != '.') out[j++] = *c;
    out[j] = '\0';
    return 0;
}

int prw_parse_stats(prw *p, const char *list, char *err, size_t errlen) {
    char *dup = strdup(list), *save = NULL;
    p->nstats = 0;
    for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t l = strlen(tok);
        while (l && tok[l - 1] == ' ') tok[--l] = '\0';
        if (!l) continue;
        trend_stat st = {0};
        if (prom_rw_stat_suffix(tok, st.suffix, sizeof st.suffix) != 0) {
            snprintf(err, errlen,
                     "prometheus-rw: unknown trend stat '%s' in K6_PROMETHEUS_RW_TREND_STATS "
                     "(known: avg, min, max, med, count, sum, p(N))",
                     tok);
            free(dup);
            return -1;
        }
        if (strcmp(tok, "avg") == 0)
            st.kind = ST_AVG;
        else if (strcmp(tok, "min") == 0)
            st.kind = ST_MIN;
        else if (strcmp(tok, "max") == 0)
            st.kind = ST_MAX;
        else if (strcmp(tok, "med") == 0)
            st.kind = ST_MED;
        else if (strcmp(tok, "count") == 0)
            st.kind = ST_COUNT;
        else if (strcmp(tok, "sum") == 0)
            st.kind = ST_SUM;
        else {
            st.kind = ST_PCT;
            st.p = strtod(tok + 2, NULL);
        }
        bool dupl = false;
        for (int i = 0; i < p->nstats; i++) dupl |= strcmp(p->stats[i].suffix, st.suffix) == 0;
        if (dupl) continue;
        if (p->nstats == MAX_STATS) {
            snprintf(err, errlen, "prometheus-rw: more than %d trend stats", MAX_STATS);
            free(dup);
            return -1;
        }
        p->stats[p->nstats++] = st;
    }
    free(dup);
    if (p->nstats == 0) {
        snprintf(err, errlen, "prometheus-rw: K6_PROMETHEUS_RW_TREND_STATS names no stat");
        return -1;
    }
    return 0;
}

static double stat_value(const trend_stat *st, const lt_hist *h, double scale) {
    switch (st->kind) {
    case ST_AVG:
        return hist_mean(h) * scale;
    case ST_MIN:
        return hist_min(h) * scale;
    case ST_MAX:
        return hist_max(h) * scale;
    case ST_MED:
        return hist_percentile(h, 50) * scale;
    case ST_COUNT:
        return (double)hist_count(h);
    case ST_SUM:
        return hist_sum(h) * scale;
    case ST_PCT:
        return hist_percentile(h, st->p) * scale;
    }
    return 0;
}

/* ---- building a WriteRequest (main thread) ---- */

struct prw_chunk {
    prw_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
};

void *prw_arena_alloc(prw_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->used + n > a->head->cap) {
        size_t cap = n > 65536 ? n : 65536;
        prw_chunk *c = malloc(sizeof(prw_chunk) + cap);
        if (!c) abort();
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *r = a->head->mem + a->head->used;
    a->head->used += n;
    return r;
}

typedef struct {
    prw_arena arena;
    Prometheus__TimeSeries **ts;
    size_t nts, cap;
    bool stale; /* every series gets a stale marker instead of its value */
} builder;

static void *arena_alloc(builder *b, size_t n) {
    return prw_arena_alloc(&b->arena, n);
}

static char *arena_str(builder *b, const char *s) {
    size_t l = strlen(s) + 1;
    char *r = arena_alloc(b, l);
    memcpy(r, s, l);
    return r;
}

static void builder_free(builder *b) {
    while (b->arena.head) {
        prw_chunk *n = b->arena.head->next;
        free(b->arena.head);
        b->arena.head = n;
    }
    free(b->ts);
}

/* The labels of one tag set, sorted by name, without __name__. */
typedef struct {
    Prometheus__Label **l;
    int n;
    int name_at; /* where __name__ goes to keep the order */
} labelset;

static int label_cmp(const void *a, const void *b) {
    const Prometheus__Label *x = *(Prometheus__Label *const *)a;
    const Prometheus__Label *y = *(Prometheus__Label *const *)b;
    return strcmp(x->name, y->name);
}

static labelset make_labels(builder *b, const prw *p, uint32_t tags) {
    const tagset *t = tagset_get(tags);
    int max = (t ? t->n : 0) + p->nstatic;
    labelset ls = {arena_alloc(b, sizeof(Prometheus__Label *) * (size_t)(max + 1)), 0, 0};
    char name[256];
    for (int i = 0; t && i < t->n; i++) {
        if (!t->vals[i][0]) continue;
        prom_rw_sanitize_name(t->keys[i], name, sizeof name);
        Prometheus__Label *l = arena_alloc(b, sizeof *l);
        prometheus__label__init(l);
        l->name = arena_str(b, name);
        l->value = (char *)t->vals[i]; /* interned, lives for the run */
        ls.l[ls.n++] = l;
    }
    for (int i = 0; i < p->nstatic; i++) {
        if (!p->svals[i][0]) continue;
        Prometheus__Label *l = arena_alloc(b, sizeof *l);
        prometheus__label__init(l);
        l->name = p->skeys[i];
        l->value = p->svals[i];
        ls.l[ls.n++] = l;
    }
    /* stable sort keeps a sample's own tag first among equal names: the one kept */
    for (int i = 1; i < ls.n; i++)
        for (int j = i; j > 0 && label_cmp(&ls.l[j - 1], &ls.l[j]) > 0; j--) {
            Prometheus__Label *x = ls.l[j];
            ls.l[j] = ls.l[j - 1];
            ls.l[j - 1] = x;
        }
    int k = 0;
    for (int i = 0; i < ls.n; i++)
        if (k == 0 || strcmp(ls.l[k - 1]->name, ls.l[i]->name) != 0) ls.l[k++] = ls.l[i];
    ls.n = k;
    while (ls.name_at < ls.n && strcmp(ls.l[ls.name_at]->name, "__name__") < 0) ls.name_at++;
    if (ls.name_at < ls.n && strcmp(ls.l[ls.name_at]->name, "__name__") == 0) {
        /* cannot happen after sanitising ("__" becomes "tag__"), but never send it twice */
        memmove(&ls.l[ls.name_at], &ls.l[ls.name_at + 1],
                sizeof(ls.l[0]) * (size_t)(ls.n - ls.name_at - 1));
        ls.n--;
    }
    return ls;
}

/* Prometheus' StaleNaN: a NaN with this payload marks a series as ended. */
static double stale_nan(void) {
    uint64_t bits = 0x7ff0000000000002ull;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A new series named k6_<metric><suffix> with the labels of ls, added to the request. */
static Prometheus__TimeSeries *new_series(builder *b, const labelset *ls, const char *metric,
                                          const char *suffix) {
    Prometheus__TimeSeries *t = arena_alloc(b, sizeof *t);
    prometheus__time_series__init(t);
    Prometheus__Label *name = arena_alloc(b, sizeof *name);
    prometheus__label__init(name);
    char buf[512];
    char san[300];
    prom_rw_sanitize_name(metric, san, sizeof san);
    snprintf(buf, sizeof buf, "k6_%s%s", san, suffix);
    name->name = "__name__";
    name->value = arena_str(b, buf);
    t->n_labels = (size_t)ls->n + 1;
    t->labels = arena_alloc(b, sizeof(Prometheus__Label *) * t->n_labels);
    memcpy(t->labels, ls->l, sizeof(ls->l[0]) * (size_t)ls->name_at);
    t->labels[ls->name_at] = name;
    memcpy(t->labels + ls->name_at + 1, ls->l + ls->name_at,
           sizeof(ls->l[0]) * (size_t)(ls->n - ls->name_at));
    if (b->nts == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->ts = realloc(b->ts, b->cap * sizeof(b->ts[0]));
        if (!b->ts) abort();
    }
    b->ts[b->nts++] = t;
    return t;
}

static void set_sample(builder *b, Prometheus__TimeSeries *t, double value, int64_t ts_ms) {
    Prometheus__Sample *s = arena_alloc(b, sizeof *s);
    prometheus__sample__init(s);
    s->value = b->stale ? stale_nan() : value;
    s->timestamp = ts_ms;
    t->n_samples = 1;
    t->samples = arena_alloc(b, sizeof(Prometheus__Sample *));
    t->samples[0] = s;
}

static void add_ts(builder *b, const labelset *ls, const char *metric, const char *suffix,
                   double value, int64_t ts_ms) {
    if (isnan(value)) return;
    set_sample(b, new_series(b, ls, metric, suffix), value, ts_ms);
}

/* A trend as one native histogram series, named as k6 names it: k6_<name>_seconds for a time
 * trend (values in seconds), k6_<name> otherwise. Its stale marker is a float sample, as k6's. */
static void add_native(builder *b, const prw *p, const labelset *ls, const metric_def *d,
                       const lt_hist *h, int64_t ts_ms) {
    Prometheus__TimeSeries *t = new_series(b, ls, d->name, d->is_time ? "_seconds" : "");
    if (b->stale) {
        set_sample(b, t, 0, ts_ms);
        return;
    }
    t->n_histograms = 1;
    t->histograms = arena_alloc(b, sizeof(Prometheus__Histogram *));
    t->histograms[0] =
        prw_native_histogram(&b->arena, h, d->is_time ? 1e-3 : 1.0, p->schema, ts_ms);
}

/* One WriteRequest: cumulative values from `total`, windowed ones from `window`. */
batch *prw_build_batch(const prw *p, const store *total, const store *window, int64_t ts_ms,
                       bool stale) {
    builder b = {.stale = stale};
    char sfx[64];
    size_t n = store_len(total);
    for (size_t i = 0; i < n; i++) {
        const series *s = store_at(total, i);
        const metric_def *d = metric_get(s->metric);
        if (!d) continue;
        labelset ls = make_labels(&b, p, s->tags);
        const series *w = window ? store_find(window, s->metric, s->tags) : NULL;
        double scale = d->is_time ? 1e-3 : 1.0;
        switch (d->type) {
        case METRIC_COUNTER:
            add_ts(&b, &ls, d->name, "_total", s->sum, ts_ms);
            break;
        case METRIC_GAUGE:
            add_ts(&b, &ls, d->name, "", s->sum, ts_ms);
            break;
        case METRIC_RATE:
            if (s->count)
                add_ts(&b, &ls, d->name, "_rate", (double)s->nonzero / (double)s->count, ts_ms);
            if (w && w->count)
                add_ts(&b, &ls, d->name, "_rate_window", (double)w->nonzero / (double)w->count,
                       ts_ms);
            break;
        case METRIC_TREND:
            if (!s->hist || hist_count(s->hist) == 0) break;
            if (p->native) add_native(&b, p, &ls, d, s->hist, ts_ms);
            for (int k = 0; !p->native && k < p->nstats; k++) {
                snprintf(sfx, sizeof sfx, "_%s", p->stats[k].suffix);
                add_ts(&b, &ls, d->name, sfx, stat_value(&p->stats[k], s->hist, scale), ts_ms);
            }
            if (w && w->hist && hist_count(w->hist) > 0)
                for (int k = 0; k < p->nstats; k++) {
                    snprintf(sfx, sizeof sfx, "_%s_window", p->stats[k].suffix);
                    add_ts(&b, &ls, d->name, sfx, stat_value(&p->stats[k], w->hist, scale), ts_ms);
                }
            break;
        }
    }
    Prometheus__WriteRequest wr;
    prometheus__write_request__init(&wr);
    wr.n_timeseries = b.nts;
    wr.timeseries = b.ts;
    size_t raw_len = prometheus__write_request__get_packed_size(&wr);
    uint8_t *raw = malloc(raw_len ? raw_len : 1);
    batch *out = calloc(1, sizeof *out);
    size_t clen = snappy_max_compressed_length(raw_len);
    out->data = malloc(clen ? clen : 1);
    if (!raw || !out->data) abort();
    prometheus__write_request__pack(&wr, raw);
    if (snappy_compress((const char *)raw, raw_len, (char *)out->data, &clen) != SNAPPY_OK)
        abort(); /* only on a too-small buffer, which max_compressed_length rules out */
    out->len = clen;
    out->raw_len = raw_len;
    out->nsamples = b.nts;
    free(raw);
    builder_free(&b);
    return out;
}

void prw_batch_free(batch *b) {
    if (b) {
        free(b->data);
        free(b);
    }
}
