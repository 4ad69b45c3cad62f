/* prom_text.c — see prom_text.h: the Prometheus text exposition parser (TYPE lines, sample
 * lines, label unescaping, counter/bucket classification) and the glob selection rule.
 */
#include "scrape/prom_text.h"
#include "base/name_map.h"
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ======================= the parser ======================= */

/* A family's TYPE; one parse keeps a name_map from family name to it. */
typedef enum { FT_UNTYPED, FT_COUNTER, FT_GAUGE, FT_HISTOGRAM, FT_SUMMARY } family_type;

/* fam_put: the family's TYPE (a later TYPE line for the same name wins). */
static void fam_put(name_map *m, const char *name, size_t n, family_type t) {
    name_map_slot *f = name_map_put(m, name, n, (int)t, NULL);
    if (f) f->value = (int)t;
}

static bool name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
static bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9');
}
static bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

static bool ends_with(const char *s, size_t n, const char *suf) {
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

bool scrape_selected(const char *const *patterns, int npatterns, const char *name, bool bucket) {
    if (npatterns <= 0) return !bucket;
    for (int i = 0; i < npatterns; i++) {
        if (bucket && !strstr(patterns[i], "_bucket")) continue;
        if (fnmatch(patterns[i], name, 0) == 0) return true;
    }
    return false;
}

/* `# TYPE name type` (after the '#'); anything else after '#' is a comment. Returns false at
 * `# EOF`. */
static bool parse_comment(const char *p, const char *end, name_map *fams) {
    while (p < end && is_blank(*p)) p++;
    const char *w = p;
    while (p < end && !is_blank(*p)) p++;
    size_t wl = (size_t)(p - w);
    if (wl == 3 && memcmp(w, "EOF", 3) == 0) return false;
    if (wl != 4 || memcmp(w, "TYPE", 4) != 0) return true;
    while (p < end && is_blank(*p)) p++;
    const char *name = p;
    while (p < end && name_char(*p)) p++;
    size_t nl = (size_t)(p - name);
    if (!nl) return true;
    while (p < end && is_blank(*p)) p++;
    const char *t = p;
    while (p < end && !is_blank(*p)) p++;
    size_t tl = (size_t)(p - t);
    family_type ft = FT_UNTYPED;
#define TIS(s) (tl == strlen(s) && memcmp(t, s, tl) == 0)
    if (TIS("counter"))
        ft = FT_COUNTER;
    else if (TIS("gauge"))
        ft = FT_GAUGE;
    else if (TIS("histogram") || TIS("gaugehistogram"))
        ft = FT_HISTOGRAM;
    else if (TIS("summary"))
        ft = FT_SUMMARY;
#undef TIS
    fam_put(fams, name, nl, ft);
    return true;
}

/* Scratch for one line: the strings of a sample, NUL-terminated. Line length bounds its size. */
typedef struct {
    char *buf;
    size_t cap, len;
} scratch;

static char *scratch_reserve(scratch *s, size_t need) {
    if (need > s->cap) {
        size_t ncap = need < 256 ? 256 : need;
        char *nb = realloc(s->buf, ncap);
        if (!nb) return NULL;
        s->buf = nb;
        s->cap = ncap;
    }
    return s->buf;
}

/* One sample line [p, end). Returns false when malformed. Strings go into sc (at most
 * 2 * line length + 64 bytes: reserved up front, so the pointers stay valid). */
static bool parse_sample(const char *p, const char *end, scratch *sc, scrape_sample *out,
                         bool *too_many) {
    size_t linelen = (size_t)(end - p);
    if (!scratch_reserve(sc, 2 * linelen + 64)) return false;
    char *w = sc->buf;
    *too_many = false;
    if (p >= end || !name_start(*p)) return false;
    out->name = w;
    while (p < end && name_char(*p)) *w++ = *p++;
    *w++ = 0;
    out->nlabels = 0;
    while (p < end && is_blank(*p)) p++;
    if (p < end && *p == '{') {
        p++;
        for (;;) {
            while (p < end && is_blank(*p)) p++;
            if (p >= end) return false;
            if (*p == '}') {
                p++;
                break;
            }
            if (!name_start(*p) || *p == ':') return false;
            char *key = w;
            while (p < end && name_char(*p) && *p != ':') *w++ = *p++;
            *w++ = 0;
            while (p < end && is_blank(*p)) p++;
            if (p >= end || *p != '=') return false;
            p++;
            while (p < end && is_blank(*p)) p++;
            if (p >= end || *p != '"') return false;
            p++;
            char *val = w;
            for (;;) {
                if (p >= end) return false; /* unterminated */
                char c = *p++;
                if (c == '"') break;
                if (c == '\\') {
                    if (p >= end) return false;
                    char e = *p++;
                    *w++ = e == 'n' ? '\n' : e; /* \\ \" \n; others kept as the character */
                } else {
                    *w++ = c;
                }
            }
            *w++ = 0;
            if (out->nlabels == SCRAPE_MAX_LABELS) {
                *too_many = true;
            } else {
                int i = 0; /* a repeated label name: the last one wins */
                while (i < out->nlabels && strcmp(out->keys[i], key) != 0) i++;
                out->keys[i] = key;
                out->vals[i] = val;
                if (i == out->nlabels) out->nlabels++;
            }
            while (p < end && is_blank(*p)) p++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return false;
        }
    }
    while (p < end && is_blank(*p)) p++;
    const char *v = p;
    while (p < end && !is_blank(*p)) p++;
    size_t vl = (size_t)(p - v);
    if (vl == 0 || vl > 64) return false;
    char num[72];
    memcpy(num, v, vl);
    num[vl] = 0;
    char *e;
    errno = 0;
    double d = strtod(num, &e);
    if (*e || e == num) return false;
    out->value = d;
    /* the rest (a timestamp, an OpenMetrics exemplar) is ignored */
    return true;
}

void scrape_parse(const char *text, size_t len, const char *const *patterns, int npatterns,
                  scrape_sample_fn fn, void *arg, scrape_stats *stats) {
    scrape_stats st = {0};
    name_map fams = {0};
    scratch sc = {0};
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r') le--;
        while (p < le && is_blank(*p)) p++;
        if (p == le) {
            p = next;
            continue;
        }
        if (*p == '#') {
            if (!parse_comment(p + 1, le, &fams)) break;
            p = next;
            continue;
        }
        st.samples++;
        scrape_sample smp;
        bool too_many;
        if (!parse_sample(p, le, &sc, &smp, &too_many) || too_many) {
            st.bad++;
            p = next;
            continue;
        }
        /* the family and what kind of series this is */
        size_t n = strlen(smp.name);
        name_map_slot *f = name_map_find(&fams, smp.name, n);
        family_type ft = f ? (family_type)f->value : FT_UNTYPED;
        bool counter = ft == FT_COUNTER, bucket = false, skip = false;
        if (!f) {
            static const char *const sufs[] = {"_bucket", "_count", "_sum", "_total", "_created"};
            for (size_t i = 0; i < sizeof sufs / sizeof *sufs; i++) {
                if (!ends_with(smp.name, n, sufs[i])) continue;
                name_map_slot *b = name_map_find(&fams, smp.name, n - strlen(sufs[i]));
                if (!b) continue;
                family_type bt = (family_type)b->value;
                bool hs = bt == FT_HISTOGRAM || bt == FT_SUMMARY;
                if (i == 4 && (hs || bt == FT_COUNTER))
                    skip = true;
                else if (i == 0 && bt == FT_HISTOGRAM)
                    bucket = counter = true;
                else if ((i == 1 || i == 2) && hs)
                    counter = true;
                else if (i == 3 && bt == FT_COUNTER)
                    counter = true;
                break;
            }
        }
        if (ends_with(smp.name, n, "_total")) counter = true;
        if (!bucket && ends_with(smp.name, n, "_bucket") && ft == FT_UNTYPED)
            for (int i = 0; i < smp.nlabels; i++)
                if (strcmp(smp.keys[i], "le") == 0) bucket = counter = true;
        if (skip || !scrape_selected(patterns, npatterns, smp.name, bucket)) {
            p = next;
            continue;
        }
        smp.counter = counter;
        st.kept++;
        if (fn) fn(&smp, arg);
        p = next;
    }
    free(sc.buf);
    name_map_free(&fams);
    if (stats) *stats = st;
}
