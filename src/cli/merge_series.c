/* merge_series.c — lt merge's combination rules (one summary's series into the merged store)
 * and the execution-segment check. The rules, and why, are in docs/merge.md. */
#include "cli/merge.h"
#include "cli/merge_internal.h"
#include "cli/report.h"
#include "plan/segment.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- series ---------------- */

/* Gauges each instance holds its own share of: the sum over instances is the test's. */
static bool gauge_adds(const char *name) {
    return strcmp(name, "vus") == 0 || strcmp(name, "vus_max") == 0;
}

static bool get_number(const cJSON *o, const char *key, double *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(it)) return false;
    *v = it->valuedouble;
    return true;
}

/* The metric of a series entry, registered as the summary types it ("contains" comes from the
 * metric's entry in "metrics"). Returns its id, or -1 with err and *code set. */
static int series_metric(const cJSON *root, const cJSON *e, int *code, char *err, size_t errlen) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "metric");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
    *code = EXIT_REPORT_BAD_INPUT;
    if (!cJSON_IsString(name) || !cJSON_IsString(type))
        return snprintf(err, errlen, "no \"metric\" or no \"type\""), -1;
    bool ok;
    metric_type t = metric_type_parse(type->valuestring, &ok);
    if (!ok)
        return snprintf(err, errlen, "series of %s: unknown type '%s'", name->valuestring,
                        type->valuestring),
               -1;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "metrics"), name->valuestring);
    const cJSON *contains = cJSON_GetObjectItemCaseSensitive(m, "contains");
    bool is_time = cJSON_IsString(contains) && strcmp(contains->valuestring, "time") == 0;
    int known = metric_find(name->valuestring);
    if (known >= 0 && metric_get(known)->type != t) {
        *code = EXIT_MERGE_MISMATCH;
        return snprintf(err, errlen, "metric %s is a %s here and a %s in another summary",
                        name->valuestring, type->valuestring,
                        metric_type_name(metric_get(known)->type)),
               -1;
    }
    if (known >= 0) return known;
    char e2[256];
    int id = metric_register(name->valuestring, t, is_time, e2, sizeof e2);
    if (id < 0) return snprintf(err, errlen, "metric %s: %s", name->valuestring, e2), -1;
    return id;
}

/* The tag set of a series entry, interned. */
static int series_tags(tag_cache *tc, const cJSON *e, uint32_t *id, char *err, size_t errlen) {
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(e, "tags");
    tag_builder b = {0};
    const cJSON *t;
    if (tags && !cJSON_IsObject(tags)) return snprintf(err, errlen, "\"tags\": not an object"), -1;
    cJSON_ArrayForEach(t, tags) {
        if (!cJSON_IsString(t))
            return snprintf(err, errlen, "tags.%s: not a string", t->string), -1;
        if (b.n == TAGSET_MAX)
            return snprintf(err, errlen, "more than %d tags on one series", TAGSET_MAX), -1;
        tags_put(&b, t->string, t->valuestring);
    }
    *id = tagset_intern(tc, &b);
    return 0;
}

/* Adds one entry's values to its series in the merged store; `ge` holds, for a gauge, the end of
 * the instance whose value s has (a later one replaces it). */
static int series_values(series *s, series *ge, double end, const metric_def *d, const cJSON *e,
                         char *err, size_t errlen) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "values");
    double a, b, c;
    switch (d->type) {
    case METRIC_COUNTER:
        if (!get_number(v, "count", &a)) break;
        s->sum += a;
        s->count++; /* the number of adds is not in a summary; one says "has data" */
        return 0;
    case METRIC_RATE:
        if (!get_number(v, "passes", &a) || !get_number(v, "fails", &b) || a < 0 || b < 0) break;
        s->nonzero += (uint64_t)a;
        s->count += (uint64_t)a + (uint64_t)b;
        return 0;
    case METRIC_GAUGE:
        if (!get_number(v, "value", &a) || !get_number(v, "min", &b) || !get_number(v, "max", &c))
            break;
        if (s->count && gauge_adds(d->name)) {
            s->sum += a;
            s->min += b;
            s->max += c;
        } else {
            if (!s->count || end >= ge->sum) s->sum = a, ge->sum = end;
            if (b < s->min) s->min = b;
            if (c > s->max) s->max = c;
        }
        s->count++;
        return 0;
    case METRIC_TREND: {
        char e2[256];
        lt_hist *h =
            hist_from_json(cJSON_GetObjectItemCaseSensitive(e, "histogram"), e2, sizeof e2);
        if (!h) return snprintf(err, errlen, "series of %s: %s", d->name, e2), -1;
        hist_merge(s->hist, h);
        hist_free(h);
        return 0;
    }
    }
    return snprintf(err, errlen, "series of %s: \"values\" lacks what a %s has", d->name,
                    metric_type_name(d->type)),
           -1;
}

/* Registers the metrics of the summary's "metrics" (also those no series has: a metric a
 * threshold names that got no sample, judged "no samples" as in the run, not "no such metric"). */
static int register_metrics(const cJSON *root, char *err, size_t errlen) {
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(root, "metrics")) {
        if (strchr(m->string, '{')) continue; /* a sub-metric: its metric has its own entry */
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "metric", m->string);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
        if (cJSON_IsString(type)) cJSON_AddStringToObject(e, "type", type->valuestring);
        int code, id = series_metric(root, e, &code, err, errlen);
        cJSON_Delete(e);
        if (id < 0) return code;
    }
    return 0;
}

int merge_series_into(store *total, store *gauge_end, double end, tag_cache *tc, const cJSON *root,
                      char *err, size_t errlen) {
    char e1[512];
    int code = register_metrics(root, e1, sizeof e1);
    if (code) return snprintf(err, errlen, "metrics: %s", e1), code;
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "series")) {
        char e2[512];
        int id = series_metric(root, e, &code, e2, sizeof e2);
        if (id < 0) return snprintf(err, errlen, "series[%d]: %s", i, e2), code;
        uint32_t tags;
        if (series_tags(tc, e, &tags, e2, sizeof e2) != 0 ||
            series_values(store_series(total, id, tags),
                          metric_get(id)->type == METRIC_GAUGE ? store_series(gauge_end, id, tags)
                                                               : NULL,
                          end, metric_get(id), e, e2, sizeof e2) != 0)
            return snprintf(err, errlen, "series[%d]: %s", i, e2), EXIT_REPORT_BAD_INPUT;
        i++;
    }
    return 0;
}

void merge_iteration_errors(error_tally *t, const cJSON *ie) {
    double total = 0, shown = 0;
    if (!get_number(ie, "count", &total)) return;
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(ie, "top")) {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(k, "message");
        double n;
        if (!cJSON_IsString(msg) || !get_number(k, "count", &n)) continue;
        error_tally_add(t, msg->valuestring, strlen(msg->valuestring), (long)n);
        shown += n;
    }
    if (total > shown) t->total += (long)(total - shown); /* messages not in the top list */
}

/* ---------------- execution segments ---------------- */

/* Segments are parsed, compared and written by plan/segment.h, as the run that wrote them did. */
typedef struct {
    seg_segment seg;
    const merge_input *in;
} segment;

static int by_from(const void *x, const void *y) {
    const segment *a = x, *b = y;
    int c = seg_rat_cmp(a->seg.from, b->seg.from);
    return c ? c : seg_rat_cmp(a->seg.to, b->seg.to);
}

static const char *rational_text(seg_rat r, char *buf, size_t len) {
    seg_rat_format(r, buf, len);
    return buf;
}

static void note_gap(segment_check *out, seg_rat from, seg_rat to) {
    char a[32], b[32];
    size_t n = strlen(out->note);
    snprintf(out->note + n, sizeof out->note - n, "%s%s:%s",
             n ? ", " : "execution segments missing: ", rational_text(from, a, sizeof a),
             rational_text(to, b, sizeof b));
    out->missing = true;
}

static const char *seg_name(const merge_input *in) {
    return strcmp(in->name, "-") == 0 ? "(stdin)" : in->name;
}

int check_segments(const merge_input *in, int n, segment_check *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    bool any = false;
    for (int i = 0; i < n; i++) any |= in[i].segment != NULL;
    if (!any) return 0;
    segment *segs = calloc((size_t)(unsigned)n + 1, sizeof *segs);
    for (int i = 0; i < n; i++) {
        segs[i].in = &in[i];
        /* a summary writes FROM:TO (seg_format); "1/3" alone is a flag's shorthand, not that */
        const char *text = in[i].segment ? in[i].segment : "0:1";
        char e[256] = "no ':'";
        if (!strchr(text, ':') || seg_parse(text, &segs[i].seg, e, sizeof e) != 0) {
            snprintf(err, errlen,
                     "%s: execution_segment '%s' is not FROM:TO (fractions such as "
                     "1/3:2/3, 0 <= FROM < TO <= 1): %s",
                     seg_name(&in[i]), in[i].segment, e);
            free(segs);
            return -1;
        }
    }
    qsort(segs, (size_t)n, sizeof *segs, by_from);
    seg_rat at = {0, 1};
    for (int i = 0; i < n; i++) {
        if (i > 0 && seg_rat_cmp(segs[i].seg.from, segs[i - 1].seg.to) < 0) {
            const merge_input *a = segs[i - 1].in, *b = segs[i].in;
            snprintf(err, errlen,
                     "%s (segment %s) and %s (segment %s) overlap: their requests "
                     "would count twice",
                     seg_name(a), a->segment ? a->segment : "none: the whole test", seg_name(b),
                     b->segment ? b->segment : "none: the whole test");
            free(segs);
            return -1;
        }
        if (seg_rat_cmp(segs[i].seg.from, at) > 0) note_gap(out, at, segs[i].seg.from);
        at = segs[i].seg.to;
    }
    seg_rat one = {1, 1};
    if (seg_rat_cmp(at, one) < 0) note_gap(out, at, one);
    if (!out->missing) {
        snprintf(out->merged, sizeof out->merged, "0:1");
    } else {
        bool contiguous = true; /* one gap at an end: the union is still one segment */
        for (int i = 1; i < n; i++)
            contiguous &= seg_rat_cmp(segs[i].seg.from, segs[i - 1].seg.to) == 0;
        char a[32], b[32];
        if (contiguous)
            snprintf(out->merged, sizeof out->merged, "%s:%s",
                     rational_text(segs[0].seg.from, a, sizeof a),
                     rational_text(segs[n - 1].seg.to, b, sizeof b));
        size_t len = strlen(out->note);
        snprintf(out->note + len, sizeof out->note - len, " (the merged summary is partial)");
    }
    free(segs);
    return 0;
}
