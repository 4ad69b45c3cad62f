/* scrape_collect.c — the main thread's half of the scraper (scrape.h): each published snapshot
 * becomes gauges in lt's registry (a counter also a `<name>_per_s` rate from its previous value),
 * with the caps on distinct names and series that keep a chatty target from growing memory. */
#include "scrape/scrape.h"
#include "scrape/scrape_internal.h"
#include "base/name_map.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================= collection (main thread) ======================= */

/* The registry ids of a scraped name, added (unregistered yet) on first sight. */
static name_slot *name_lookup(scraper *s, const char *name) {
    name_map_slot *k = name_map_find(&s->name_index, name, strlen(name));
    if (k) return &s->names[k->value];
    if (s->names_used == s->names_cap) {
        size_t ncap = s->names_cap ? s->names_cap * 2 : 64;
        name_slot *nn = realloc(s->names, ncap * sizeof *nn);
        if (!nn) return NULL;
        s->names = nn;
        s->names_cap = ncap;
    }
    k = name_map_put(&s->name_index, name, strlen(name), (int)s->names_used, NULL);
    if (!k) return NULL;
    name_slot *n = &s->names[s->names_used];
    n->name = k->key;
    n->id = -1;
    n->per_s = -2; /* registered when a counter needs it */
    s->names_used++;
    if (s->names_used > SCRAPE_MAX_NAMES) {
        if (!s->warned_names)
            fprintf(stderr,
                    WARN "more than %d metric names; the others are dropped (narrow them with "
                         "--scrape-filter)\n",
                    SCRAPE_MAX_NAMES);
        s->warned_names = true;
        return n;
    }
    /* Prometheus allows ':' in names, lt does not */
    char clean[140], err[256];
    snprintf(clean, sizeof clean, "%s", name);
    for (char *c = clean; *c; c++)
        if (*c == ':') *c = '_';
    if (strlen(name) > 122) {
        fprintf(stderr, WARN "metric name '%.60s...' is too long for lt; dropped\n", name);
        return n;
    }
    n->id = metric_register(clean, METRIC_GAUGE, false, err, sizeof err);
    if (n->id < 0) {
        fprintf(stderr, WARN "cannot keep '%s': %s\n", name, err);
        return n;
    }
    return n;
}

static int per_s_id(name_slot *n) {
    if (n->per_s != -2) return n->per_s;
    char clean[140], per_s[160], err[256];
    snprintf(clean, sizeof clean, "%s", n->name);
    for (char *c = clean; *c; c++)
        if (*c == ':') *c = '_';
    snprintf(per_s, sizeof per_s, "%s_per_s", clean);
    n->per_s = metric_register(per_s, METRIC_GAUGE, false, err, sizeof err);
    if (n->per_s < 0) fprintf(stderr, WARN "cannot keep '%s': %s\n", per_s, err);
    return n->per_s;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* The slot of a series; NULL when the cap on distinct series is reached. */
static series_slot *series_lookup(scraper *s, int metric, uint32_t tags) {
    uint64_t key = ((uint64_t)(uint32_t)metric << 32 | tags) + 1;
    if (s->series_cap) {
        for (size_t i = mix64(key) & (s->series_cap - 1);; i = (i + 1) & (s->series_cap - 1)) {
            if (!s->series[i].key) break;
            if (s->series[i].key == key) return &s->series[i];
        }
    }
    if (s->series_used >= SCRAPE_MAX_TOTAL_SERIES) {
        if (!s->warned_series)
            fprintf(stderr, WARN "more than %d distinct series; new ones are dropped\n",
                    SCRAPE_MAX_TOTAL_SERIES);
        s->warned_series = true;
        return NULL;
    }
    if ((s->series_used + 1) * 2 > s->series_cap) {
        size_t ncap = s->series_cap ? s->series_cap * 2 : 256;
        series_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns) return NULL;
        for (size_t i = 0; i < s->series_cap; i++) {
            if (!s->series[i].key) continue;
            size_t j = mix64(s->series[i].key) & (ncap - 1);
            while (ns[j].key) j = (j + 1) & (ncap - 1);
            ns[j] = s->series[i];
        }
        free(s->series);
        s->series = ns;
        s->series_cap = ncap;
    }
    size_t j = mix64(key) & (s->series_cap - 1);
    while (s->series[j].key) j = (j + 1) & (s->series_cap - 1);
    s->series[j] = (series_slot){.key = key};
    s->series_used++;
    return &s->series[j];
}

static void collect_snapshot(scraper *s, const target *t, const snapshot *snap, store *interval) {
    for (size_t i = 0; i < snap->n; i++) {
        const snap_entry *e = &snap->e[i];
        const char *p = snap->arena + e->off;
        const char *name = p;
        p += strlen(p) + 1;
        name_slot *ns = name_lookup(s, name);
        if (!ns || ns->id < 0) continue;
        tag_builder b = {0};
        for (int k = 0; k < e->nlabels; k++) {
            const char *key = p;
            p += strlen(p) + 1;
            const char *val = p;
            p += strlen(p) + 1;
            if (b.n < TAGSET_MAX - 1)
                tags_put(&b, strcmp(key, "target") == 0 ? "exported_target" : key, val);
        }
        tags_put(&b, "target", t->hostport);
        uint32_t tags = tagset_intern(s->tags, &b);
        series_slot *st = series_lookup(s, ns->id, tags);
        if (!st) continue;
        if (!isfinite(e->value)) continue;
        if (interval) store_add(interval, ns->id, tags, e->value);
        if (!e->counter) continue;
        if (interval && st->have && per_s_id(ns) >= 0) {
            double dt = snap->t - st->t;
            if (dt > 1e-3) {
                double inc = e->value >= st->prev ? e->value - st->prev : e->value;
                store_add(interval, ns->per_s, tags, inc / dt);
            }
        }
        st->prev = e->value;
        st->t = snap->t;
        st->have = true;
    }
}

bool scraper_keeps_metric(const scraper *s, int metric) {
    if (!s || metric < 0) return false;
    for (size_t i = 0; i < s->names_used; i++)
        if (s->names[i].id == metric || s->names[i].per_s == metric) return true;
    return false;
}

void scraper_collect(scraper *s, store *interval) {
    if (!s) return;
    for (int i = 0; i < s->nt; i++) {
        target *t = &s->t[i];
        pthread_mutex_lock(&s->mu);
        snapshot *snap = t->latest, *base = t->baseline;
        t->latest = t->baseline = NULL;
        if (snap) t->published_once_collected = true;
        pthread_mutex_unlock(&s->mu);
        if (base) collect_snapshot(s, t, base, NULL); /* only the previous values */
        scrape_snapshot_free(base);
        if (!snap) continue;
        collect_snapshot(s, t, snap, interval);
        scrape_snapshot_free(snap);
    }
}
