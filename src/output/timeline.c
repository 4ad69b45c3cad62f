/* timeline.c — the summary's per-interval timeline: see timeline.h for the promises.
 *
 * Storage is column-wise, one fixed array of TIMELINE_MAX_POINTS per series, so doubling the
 * interval is one in-place pass per column (point p takes points 2p and 2p+1). A trend's point
 * keeps its histogram packed (sparse buckets, 2-3 bytes each: see hist_pack), where a live
 * lt_hist costs several kilobytes even for a few samples; unpacking goes through hist_from_json
 * and merging through hist_merge, both exact.
 */
#include "output/timeline.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NP TIMELINE_MAX_POINTS

typedef struct {
    unsigned char *h[NP]; /* a histogram, packed (hist_pack); NULL: no sample */
} hist_col;

typedef struct {
    double sum[NP];
    uint32_t n[NP]; /* samples averaged; 0: null */
} mean_col;

typedef struct {
    double target[NP]; /* NAN: null */
    double iterations[NP], dropped[NP];
    double vus[NP];
} scenario_cols;

typedef struct {
    int metric;
    hist_col h;
} trend_cols;

typedef struct {
    int metric;
    uint32_t tags;
    mean_col m;
} scraped_cols;

typedef struct {
    double t;
    char *exec;
    cJSON *tags;
} event;

struct timeline {
    const plan *plan;
    long width; /* seconds per point: 1, 2, 4, ... */
    int npoints;
    double reqs[NP], failed[NP];
    hist_col duration, corrected;
    scenario_cols *scenarios; /* one per plan scenario */
    trend_cols *trends[TIMELINE_MAX_TRENDS];
    int ntrends;
    scraped_cols *scraped[TIMELINE_MAX_SCRAPED];
    int nscraped;
    bool scraped_truncated;
    signed char *scraped_known; /* per metric id: 0 not asked yet, 1 scraped, -1 not */
    int nknown;
    event events[TIMELINE_MAX_EVENTS];
    int nevents;
};

static void fill_nan(double *v, int n) {
    for (int i = 0; i < n; i++) v[i] = NAN;
}

timeline *timeline_new(const plan *p) {
    timeline *tl = calloc(1, sizeof *tl);
    if (!tl) return NULL;
    tl->plan = p;
    tl->width = 1;
    tl->scenarios = calloc(p->nscenarios ? p->nscenarios : 1, sizeof *tl->scenarios);
    if (!tl->scenarios) {
        free(tl);
        return NULL;
    }
    for (int i = 0; i < p->nscenarios; i++) {
        fill_nan(tl->scenarios[i].target, NP);
        fill_nan(tl->scenarios[i].vus, NP);
    }
    return tl;
}

static void hist_col_free(hist_col *c) {
    for (int i = 0; i < NP; i++) free(c->h[i]);
}

void timeline_free(timeline *tl) {
    if (!tl) return;
    hist_col_free(&tl->duration);
    hist_col_free(&tl->corrected);
    for (int i = 0; i < tl->ntrends; i++) {
        hist_col_free(&tl->trends[i]->h);
        free(tl->trends[i]);
    }
    for (int i = 0; i < tl->nscraped; i++) free(tl->scraped[i]);
    for (int i = 0; i < tl->nevents; i++) {
        free(tl->events[i].exec);
        cJSON_Delete(tl->events[i].tags);
    }
    free(tl->scenarios);
    free(tl->scraped_known);
    free(tl);
}

/* ---- histograms kept packed ----
 * A point's histogram is hist_to_json's content in bytes: count and zero as varints, min, max and
 * sum as raw doubles, then the positive and the negative buckets, each as a varint length and
 * (index delta, count) varint pairs. Indices ascend and neighbours are mostly adjacent, so a bucket
 * costs 2-3 bytes instead of the 12-14 of its JSON text. Nothing but this file reads it. */

typedef struct {
    unsigned char *b;
    size_t n, cap;
    bool failed;
} bytes;

static void put_raw(bytes *o, const void *p, size_t n) {
    if (o->failed) return;
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        while (cap < o->n + n) cap *= 2;
        unsigned char *b = realloc(o->b, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->b = b, o->cap = cap;
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_varint(bytes *o, uint64_t v) {
    unsigned char buf[10];
    size_t n = 0;
    do {
        buf[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    put_raw(o, buf, n);
}

static void put_double(bytes *o, double v) {
    put_raw(o, &v, sizeof v);
}

static uint64_t get_varint(const unsigned char **p) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        unsigned char c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) break;
    }
    return v;
}

static double get_double(const unsigned char **p) {
    double v;
    memcpy(&v, *p, sizeof v);
    *p += sizeof v;
    return v;
}

static double json_num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void put_buckets(bytes *o, const cJSON *arr) {
    put_varint(o, (uint64_t)cJSON_GetArraySize(arr));
    uint64_t prev = 0;
    const cJSON *pair;
    cJSON_ArrayForEach(pair, arr) {
        uint64_t idx = (uint64_t)cJSON_GetArrayItem(pair, 0)->valuedouble;
        put_varint(o, idx - prev);
        put_varint(o, (uint64_t)cJSON_GetArrayItem(pair, 1)->valuedouble);
        prev = idx;
    }
}

static cJSON *get_buckets(const unsigned char **p) {
    cJSON *arr = cJSON_CreateArray();
    uint64_t n = get_varint(p), idx = 0;
    for (uint64_t i = 0; i < n; i++) {
        idx += get_varint(p);
        double pair[2] = {(double)idx, (double)get_varint(p)};
        cJSON_AddItemToArray(arr, cJSON_CreateDoubleArray(pair, 2));
    }
    return arr;
}

static lt_hist *hist_parse(const unsigned char *p) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "count", (double)get_varint(&p));
    cJSON_AddNumberToObject(j, "zero", (double)get_varint(&p));
    cJSON_AddNumberToObject(j, "min", get_double(&p));
    cJSON_AddNumberToObject(j, "max", get_double(&p));
    cJSON_AddNumberToObject(j, "sum", get_double(&p));
    cJSON_AddNumberToObject(j, "sub", LT_HIST_SUB);
    cJSON_AddItemToObject(j, "pos", get_buckets(&p));
    cJSON_AddItemToObject(j, "neg", get_buckets(&p));
    char err[128];
    lt_hist *h = hist_from_json(j, err, sizeof err);
    cJSON_Delete(j);
    return h;
}

static unsigned char *hist_pack(const lt_hist *h) {
    cJSON *j = hist_to_json(h);
    if (!j) return NULL;
    bytes o = {0};
    put_varint(&o, (uint64_t)json_num(j, "count"));
    put_varint(&o, (uint64_t)json_num(j, "zero"));
    put_double(&o, json_num(j, "min"));
    put_double(&o, json_num(j, "max"));
    put_double(&o, json_num(j, "sum"));
    put_buckets(&o, cJSON_GetObjectItemCaseSensitive(j, "pos"));
    put_buckets(&o, cJSON_GetObjectItemCaseSensitive(j, "neg"));
    cJSON_Delete(j);
    if (o.failed) {
        free(o.b);
        return NULL;
    }
    unsigned char *fit = realloc(o.b, o.n); /* points live long: give the slack back */
    return fit ? fit : o.b;
}

/* Adds the samples of h to the packed histogram in *slot. */
static void hist_slot_add(unsigned char **slot, const lt_hist *h) {
    if (!h || hist_count(h) == 0) return;
    if (!*slot) {
        *slot = hist_pack(h);
        return;
    }
    lt_hist *cur = hist_parse(*slot);
    if (!cur) return; /* cannot happen: the bytes are hist_pack's own */
    hist_merge(cur, h);
    unsigned char *s = hist_pack(cur);
    hist_free(cur);
    if (!s) return;
    free(*slot);
    *slot = s;
}

/* Point p takes the samples of a and b (either may be NULL); a and b are consumed. */
static unsigned char *hist_packed_merge(unsigned char *a, unsigned char *b) {
    if (!b) return a;
    if (!a) return b;
    lt_hist *hb = hist_parse(b);
    hist_slot_add(&a, hb);
    hist_free(hb);
    free(b);
    return a;
}

/* ---- doubling the interval: point p = points 2p and 2p+1 ---- */

static void halve_sum(double *v) {
    for (int p = 0; p < NP / 2; p++) v[p] = v[2 * p] + v[2 * p + 1];
    for (int p = NP / 2; p < NP; p++) v[p] = 0;
}

/* A value at the end of a point: the later point's, unless it has none. */
static void halve_last(double *v) {
    for (int p = 0; p < NP / 2; p++) v[p] = isnan(v[2 * p + 1]) ? v[2 * p] : v[2 * p + 1];
    fill_nan(v + NP / 2, NP - NP / 2);
}

static void halve_hist(hist_col *c) {
    for (int p = 0; p < NP / 2; p++) {
        unsigned char *a = c->h[2 * p], *b = c->h[2 * p + 1];
        c->h[2 * p] = c->h[2 * p + 1] = NULL;
        c->h[p] = hist_packed_merge(a, b);
    }
}

static void halve_mean(mean_col *m) {
    for (int p = 0; p < NP / 2; p++) {
        m->sum[p] = m->sum[2 * p] + m->sum[2 * p + 1];
        m->n[p] = m->n[2 * p] + m->n[2 * p + 1];
    }
    for (int p = NP / 2; p < NP; p++) m->sum[p] = 0, m->n[p] = 0;
}

static void double_interval(timeline *tl) {
    halve_sum(tl->reqs);
    halve_sum(tl->failed);
    halve_hist(&tl->duration);
    halve_hist(&tl->corrected);
    for (int i = 0; i < tl->plan->nscenarios; i++) {
        scenario_cols *s = &tl->scenarios[i];
        halve_last(s->target);
        halve_sum(s->iterations);
        halve_sum(s->dropped);
        halve_last(s->vus);
    }
    for (int i = 0; i < tl->ntrends; i++) halve_hist(&tl->trends[i]->h);
    for (int i = 0; i < tl->nscraped; i++) halve_mean(&tl->scraped[i]->m);
    tl->width *= 2;
    tl->npoints = (tl->npoints + 1) / 2;
}

/* ---- one tick ---- */

/* The planned arrival rate (iterations/s) of an arrival-rate scenario `tau` seconds after its
 * start: 0 outside its schedule, linear within a ramping stage as k6 ramps it. NAN for the
 * closed-model executors, which have no rate. */
static double planned_rate(const scenario_plan *sp, double tau) {
    if (sp->kind != EX_CONSTANT_ARRIVAL_RATE && sp->kind != EX_RAMPING_ARRIVAL_RATE) return NAN;
    if (tau < 0 || tau >= scenario_duration(sp)) return 0;
    double share = scenario_rate_share(sp); /* an execution segment's part */
    if (sp->kind == EX_CONSTANT_ARRIVAL_RATE) return sp->rate * share;
    double t0 = 0;
    for (int k = 0; k < sp->nstages; k++) {
        const stage *st = &sp->stages[k];
        double r0 = k == 0 ? sp->start_rate : sp->stages[k - 1].target;
        if (tau < t0 + st->duration)
            return share * (r0 + (st->target - r0) * (tau - t0) / st->duration);
        t0 += st->duration;
    }
    return 0;
}

static int scenario_of(const timeline *tl, uint32_t tags) {
    const char *name = tagset_value(tagset_get(tags), "scenario");
    if (!name) return -1;
    for (int i = 0; i < tl->plan->nscenarios; i++)
        if (strcmp(tl->plan->scenarios[i].name, name) == 0) return i;
    return -1;
}

/* The user trend's slot, created on first sight; -1 past TIMELINE_MAX_TRENDS. */
static int trend_slot(timeline *tl, int metric) {
    for (int i = 0; i < tl->ntrends; i++)
        if (tl->trends[i]->metric == metric) return i;
    if (tl->ntrends == TIMELINE_MAX_TRENDS) return -1;
    trend_cols *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->metric = metric;
    tl->trends[tl->ntrends] = c;
    return tl->ntrends++;
}

static scraped_cols *scraped_slot(timeline *tl, int metric, uint32_t tags) {
    for (int i = 0; i < tl->nscraped; i++)
        if (tl->scraped[i]->metric == metric && tl->scraped[i]->tags == tags) return tl->scraped[i];
    if (tl->nscraped == TIMELINE_MAX_SCRAPED) {
        tl->scraped_truncated = true;
        return NULL;
    }
    scraped_cols *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->metric = metric;
    c->tags = tags;
    tl->scraped[tl->nscraped++] = c;
    return c;
}

/* is_scraped's answer for metric, asked once per metric (the scraper registers a metric before it
 * adds a sample, and a metric's origin never changes). */
static bool scraped(timeline *tl, int metric, bool (*is_scraped)(int, void *), void *arg) {
    if (!is_scraped) return false;
    if (metric >= tl->nknown) {
        int n = metric + 64;
        signed char *k = realloc(tl->scraped_known, (size_t)n);
        if (!k) return is_scraped(metric, arg);
        memset(k + tl->nknown, 0, (size_t)(n - tl->nknown));
        tl->scraped_known = k;
        tl->nknown = n;
    }
    if (!tl->scraped_known[metric]) tl->scraped_known[metric] = is_scraped(metric, arg) ? 1 : -1;
    return tl->scraped_known[metric] > 0;
}

/* The tick's histograms, merged over every tag set before they join the point. */
typedef struct {
    lt_hist *duration, *corrected;
    lt_hist *trend[TIMELINE_MAX_TRENDS];
} tick_hists;

static void tick_merge(lt_hist **h, const lt_hist *src) {
    if (!src || hist_count(src) == 0) return;
    if (!*h) *h = hist_new();
    if (*h) hist_merge(*h, src);
}

static void add_series(timeline *tl, int p, const series *s, tick_hists *th,
                       bool (*is_scraped)(int, void *), void *arg) {
    int sc;
    switch (s->metric) {
    case M_HTTP_REQS:
        tl->reqs[p] += s->sum;
        return;
    case M_HTTP_REQ_FAILED:
        tl->failed[p] += (double)s->nonzero;
        return;
    case M_HTTP_REQ_DURATION:
        tick_merge(&th->duration, s->hist);
        return;
    case M_HTTP_REQ_DURATION_CORRECTED:
        tick_merge(&th->corrected, s->hist);
        return;
    case M_ITERATIONS:
        if ((sc = scenario_of(tl, s->tags)) >= 0) tl->scenarios[sc].iterations[p] += s->sum;
        return;
    case M_DROPPED_ITERATIONS:
        if ((sc = scenario_of(tl, s->tags)) >= 0) tl->scenarios[sc].dropped[p] += s->sum;
        return;
    default:
        break;
    }
    if (s->metric < M_BUILTIN_COUNT) return;
    const metric_def *d = metric_get(s->metric);
    if (d->type == METRIC_TREND) {
        int k = trend_slot(tl, s->metric);
        if (k >= 0) tick_merge(&th->trend[k], s->hist);
    } else if (d->type == METRIC_GAUGE && s->count > 0 && scraped(tl, s->metric, is_scraped, arg)) {
        scraped_cols *c = scraped_slot(tl, s->metric, s->tags);
        if (c) c->m.sum[p] += s->sum, c->m.n[p]++; /* the gauge's last value in the tick */
    }
}

void timeline_collect(timeline *tl, double t, const store *interval, const timeline_scenarios *sc,
                      bool (*is_scraped)(int metric, void *arg), void *arg, bool final) {
    if (!tl) return;
    long sec = lround(t);
    if (sec < 1) sec = 1;
    while ((sec - 1) / tl->width >= NP) double_interval(tl);
    int p = (int)((sec - 1) / tl->width);
    bool fresh = p >= tl->npoints;
    if (fresh) tl->npoints = p + 1;

    tick_hists th = {0};
    for (size_t i = 0; i < store_len(interval); i++)
        add_series(tl, p, store_at(interval, i), &th, is_scraped, arg);
    hist_slot_add(&tl->duration.h[p], th.duration);
    hist_slot_add(&tl->corrected.h[p], th.corrected);
    hist_free(th.duration);
    hist_free(th.corrected);
    for (int k = 0; k < tl->ntrends; k++) {
        hist_slot_add(&tl->trends[k]->h.h[p], th.trend[k]);
        hist_free(th.trend[k]);
    }

    if (final && !fresh) return; /* after the run: no VU is left, and the plan has ended */
    for (int i = 0; i < tl->plan->nscenarios; i++) {
        const scenario_plan *sp = &tl->plan->scenarios[i];
        bool started = sc && sc->started && sc->started[i];
        double start = started && sc->start_s ? sc->start_s[i] : sp->start_time;
        tl->scenarios[i].target[p] = planned_rate(sp, t - start);
        tl->scenarios[i].vus[p] = sc && sc->vus ? sc->vus[i] : 0;
    }
}

void timeline_event(timeline *tl, double t, const char *exec, const kv_list *tags) {
    if (!tl || tl->nevents == TIMELINE_MAX_EVENTS) return;
    event *e = &tl->events[tl->nevents++];
    e->t = t;
    e->exec = exec ? strdup(exec) : NULL;
    e->tags = cJSON_CreateObject();
    for (int i = 0; tags && i < tags->n; i++)
        cJSON_AddStringToObject(e->tags, tags->keys[i], tags->vals[i]);
}

/* ---- JSON ---- */

/* 3 decimals, as text would round them (so 12.3456 is 12.346, not 12.346000000000002). */
static double round_ms(double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", v);
    return strtod(buf, NULL);
}

/* 6 significant digits: enough for any chart, short in the file. */
static double round_sig(double v) {
    if (v == 0 || !isfinite(v)) return v;
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", v); /* the decimal text, so 4 stays 4, not 4.000000001 */
    return strtod(buf, NULL);
}

static cJSON *num_or_null(double v) {
    return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *sum_array(const double *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *last_array(const double *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, num_or_null(round_sig(v[i])));
    return a;
}

/* Per point of a histogram column: the percentile (ms: 3 decimals), null without samples;
 * pct < 0 asks for the count instead. */
static cJSON *hist_array(const hist_col *c, int n, double pct, bool ms) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        lt_hist *h = c->h[i] ? hist_parse(c->h[i]) : NULL;
        double v = NAN;
        if (h && pct < 0)
            v = (double)hist_count(h);
        else if (h && hist_count(h) > 0)
            v = ms ? round_ms(hist_percentile(h, pct)) : round_sig(hist_percentile(h, pct));
        else if (pct < 0)
            v = 0;
        hist_free(h);
        cJSON_AddItemToArray(a, num_or_null(v));
    }
    return a;
}

static cJSON *tags_object(const tagset *t) {
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; t && i < t->n; i++) cJSON_AddStringToObject(o, t->keys[i], t->vals[i]);
    return o;
}

static void add_scenarios(cJSON *root, const timeline *tl, int n) {
    cJSON *o = cJSON_AddObjectToObject(root, "scenarios");
    for (int i = 0; i < tl->plan->nscenarios; i++) {
        const scenario_cols *s = &tl->scenarios[i];
        cJSON *e = cJSON_AddObjectToObject(o, tl->plan->scenarios[i].name);
        cJSON_AddItemToObject(e, "target_rate", last_array(s->target, n));
        cJSON_AddItemToObject(e, "iterations", sum_array(s->iterations, n));
        cJSON_AddItemToObject(e, "dropped", sum_array(s->dropped, n));
        cJSON_AddItemToObject(e, "vus", last_array(s->vus, n));
    }
}

static void add_trends(cJSON *root, const timeline *tl, int n) {
    cJSON *o = cJSON_AddObjectToObject(root, "trends");
    for (int i = 0; i < tl->ntrends; i++) {
        const metric_def *d = metric_get(tl->trends[i]->metric);
        cJSON *e = cJSON_AddObjectToObject(o, d->name);
        cJSON_AddItemToObject(e, "p50", hist_array(&tl->trends[i]->h, n, 50, d->is_time));
        cJSON_AddItemToObject(e, "p99", hist_array(&tl->trends[i]->h, n, 99, d->is_time));
        cJSON_AddItemToObject(e, "count", hist_array(&tl->trends[i]->h, n, -1, false));
    }
}

static void add_scraped(cJSON *root, const timeline *tl, int n) {
    cJSON *a = cJSON_AddArrayToObject(root, "scraped");
    for (int i = 0; i < tl->nscraped; i++) {
        const scraped_cols *c = tl->scraped[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "metric", metric_get(c->metric)->name);
        cJSON_AddItemToObject(e, "tags", tags_object(tagset_get(c->tags)));
        cJSON *v = cJSON_AddArrayToObject(e, "values");
        for (int p = 0; p < n; p++)
            cJSON_AddItemToArray(v,
                                 num_or_null(c->m.n[p] ? round_sig(c->m.sum[p] / c->m.n[p]) : NAN));
        cJSON_AddItemToArray(a, e);
    }
    cJSON_AddBoolToObject(root, "scraped_truncated", tl->scraped_truncated);
}

static void add_events(cJSON *root, const timeline *tl) {
    cJSON *a = cJSON_AddArrayToObject(root, "events");
    for (int i = 0; i < tl->nevents; i++) {
        const event *ev = &tl->events[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "t", round_ms(ev->t));
        if (ev->exec)
            cJSON_AddStringToObject(e, "exec", ev->exec);
        else
            cJSON_AddNullToObject(e, "exec");
        cJSON_AddItemToObject(e, "tags", cJSON_Duplicate(ev->tags, 1));
        cJSON_AddItemToArray(a, e);
    }
}

cJSON *timeline_json(const timeline *tl) {
    cJSON *root = cJSON_CreateObject();
    int n = tl->npoints > 0 ? tl->npoints : 1; /* at least one point, even for an empty run */
    cJSON_AddNumberToObject(root, "interval_s", (double)tl->width);
    cJSON *t = cJSON_AddArrayToObject(root, "t");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(t, cJSON_CreateNumber((double)((i + 1) * tl->width)));
    cJSON *http = cJSON_AddObjectToObject(root, "http");
    cJSON_AddItemToObject(http, "reqs", sum_array(tl->reqs, n));
    cJSON_AddItemToObject(http, "failed", sum_array(tl->failed, n));
    cJSON_AddItemToObject(http, "p50_ms", hist_array(&tl->duration, n, 50, true));
    cJSON_AddItemToObject(http, "p99_ms", hist_array(&tl->duration, n, 99, true));
    cJSON_AddItemToObject(http, "p99_corrected_ms", hist_array(&tl->corrected, n, 99, true));
    add_scenarios(root, tl, n);
    add_trends(root, tl, n);
    add_scraped(root, tl, n);
    add_events(root, tl);
    return root;
}
