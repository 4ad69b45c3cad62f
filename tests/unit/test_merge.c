/* test_merge.c — lt merge's pure parts: the execution-segment check (fractions, decimals,
 * percentages; overlaps refused, gaps noted) and the combination rules of one series. */
#include "cli/merge.h"
#include "cli/merge_internal.h"
#include "cli/report.h"
#include "t.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* check_segments over the given segment strings (NULL: a summary without one). */
static int segs(segment_check *out, char *err, size_t errlen, int n, ...) {
    merge_input in[8] = {0};
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        in[i].name = "f";
        in[i].segment = va_arg(ap, char *);
    }
    va_end(ap);
    return check_segments(in, n, out, err, errlen);
}

static void test_segments(void) {
    segment_check c;
    char err[512];
    T_CHECK(segs(&c, err, sizeof err, 2, NULL, NULL) == 0 && !c.missing && !c.merged[0],
            "no segments: nothing to check");
    T_CHECK(segs(&c, err, sizeof err, 3, "2/3:1", "0:1/3", "1/3:2/3") == 0 && !c.missing &&
                strcmp(c.merged, "0:1") == 0,
            "thirds in any order cover the test: %s", c.merged);
    T_CHECK(segs(&c, err, sizeof err, 2, "0:50%", "0.5:1") == 0 && !c.missing,
            "percent and decimal forms meet at 1/2");
    T_CHECK(segs(&c, err, sizeof err, 2, "0:2/4", "1/2:1") == 0 && !c.missing,
            "2/4 is 1/2 (fractions reduced)");
    T_CHECK(segs(&c, err, sizeof err, 2, "0:1/3", "2/3:1") == 0 && c.missing &&
                strstr(c.note, "missing: 1/3:2/3") && !c.merged[0],
            "a gap in the middle: %s", c.note);
    T_CHECK(segs(&c, err, sizeof err, 2, "0:1/4", "1/4:1/2") == 0 && c.missing &&
                strstr(c.note, "1/2:1") && strcmp(c.merged, "0:1/2") == 0,
            "a gap at the end: union %s, note %s", c.merged, c.note);
    T_CHECK(segs(&c, err, sizeof err, 1, "1/3:2/3") == 0 && c.missing &&
                strstr(c.note, "0:1/3, 2/3:1"),
            "one middle segment: both ends missing: %s", c.note);
    T_CHECK(segs(&c, err, sizeof err, 2, "0:1/2", "1/3:1") != 0 && strstr(err, "overlap"),
            "overlap refused: %s", err);
    T_CHECK(segs(&c, err, sizeof err, 2, "0:1/2", NULL) != 0 && strstr(err, "the whole test"),
            "a summary without a segment overlaps: %s", err);
    T_CHECK(segs(&c, err, sizeof err, 2, "0:1/2", "0:1/2") != 0, "the same segment twice");
    static const char *bad[] = {"1/3", "2/3:1/3", "0:3/2",  "0:1/0",  "a:1",     "0:",
                                ":1",  "0:1.5",   "-1/3:1", "0:1/3x", "1/3:1/3", "0:150%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_CHECK(segs(&c, err, sizeof err, 1, bad[i]) != 0 && strstr(err, "not FROM:TO"),
                "'%s' refused", bad[i]);
}

/* merge_series_into on a summary made of one series entry (JSON text), ending at `end`. */
static int add(store *total, store *ge, tag_cache *tc, double end, const char *series_json) {
    char text[2048], err[256];
    snprintf(text, sizeof text,
             "{\"metrics\": {\"t_ms\": {\"type\": \"trend\", \"contains\": \"time\"}}, \"series\": "
             "[%s]}",
             series_json);
    cJSON *root = cJSON_Parse(text);
    int rc = merge_series_into(total, ge, end, tc, root, err, sizeof err);
    cJSON_Delete(root);
    return rc;
}

/* The series of metric in st; an empty one (no crash, the checks fail) when there is none. */
static const series *only(const store *st, const char *metric) {
    static const series none = {.metric = -1};
    for (size_t i = 0; i < store_len(st); i++)
        if (store_at(st, i)->metric == metric_find(metric)) return store_at(st, i);
    return &none;
}

static void test_rules(void) {
    metrics_init();
    store *total = store_new(), *ge = store_new();
    tag_cache *tc = tag_cache_new();
#define C(n)                                                                                       \
    "{\"metric\":\"http_reqs\",\"type\":\"counter\",\"tags\":{\"a\":\"1\"},\"values\":{"           \
    "\"count\":" #n "}}"
    T_CHECK(add(total, ge, tc, 1, C(5)) == 0 && add(total, ge, tc, 2, C(7)) == 0, "counters");
    T_CHECK(only(total, "http_reqs")->sum == 12, "counts add: %g", only(total, "http_reqs")->sum);
#define R(p, f)                                                                                    \
    "{\"metric\":\"http_req_failed\",\"type\":\"rate\",\"values\":{\"passes\":" #p                 \
    ",\"fails\":" #f "}}"
    add(total, ge, tc, 1, R(1, 9));
    add(total, ge, tc, 2, R(3, 7));
    const series *r = only(total, "http_req_failed");
    T_CHECK(r->nonzero == 4 && r->count == 20, "rates: passes and totals add (%llu/%llu)",
            (unsigned long long)r->nonzero, (unsigned long long)r->count);
#define G(m, v, lo, hi)                                                                            \
    "{\"metric\":\"" m "\",\"type\":\"gauge\",\"values\":{\"value\":" #v ",\"min\":" #lo           \
    ",\"max\":" #hi "}}"
    add(total, ge, tc, 30, G("depth", 5, 1, 9)); /* ended last, given first */
    add(total, ge, tc, 10, G("depth", 7, 0, 8));
    add(total, ge, tc, 20, G("depth", 6, 2, 12));
    const series *g = only(total, "depth");
    T_CHECK(g->sum == 5 && g->min == 0 && g->max == 12,
            "gauge: last-ended value 5, min 0, max 12 (got %g %g %g)", g->sum, g->min, g->max);
    add(total, ge, tc, 30, G("vus", 5, 1, 9));
    add(total, ge, tc, 10, G("vus", 7, 0, 8));
    const series *v = only(total, "vus");
    T_CHECK(v->sum == 12 && v->min == 1 && v->max == 17, "vus add (got %g %g %g)", v->sum, v->min,
            v->max);
    /* two trends: the merge holds both samples' buckets */
    lt_hist *a = hist_new(), *b = hist_new(), *both = hist_new();
    hist_add(a, 1.5), hist_add(both, 1.5);
    hist_add(b, 300), hist_add(both, 300);
    for (int k = 0; k < 2; k++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "metric", "t_ms");
        cJSON_AddStringToObject(e, "type", "trend");
        cJSON_AddItemToObject(e, "histogram", hist_to_json(k ? b : a));
        char *s = cJSON_PrintUnformatted(e);
        T_CHECK(add(total, ge, tc, 1, s) == 0, "trend series %d", k);
        free(s);
        cJSON_Delete(e);
    }
    const series *t = only(total, "t_ms");
    T_CHECK(t->hist && metric_get(t->metric)->is_time, "a trend registered with contains=time");
    T_CHECK(t->hist && hist_count(t->hist) == 2 &&
                hist_percentile(t->hist, 75) == hist_percentile(both, 75),
            "histograms merge exactly");
    T_CHECK(add(total, ge, tc, 1,
                "{\"metric\":\"depth\",\"type\":\"counter\",\"values\":{\"count\":1}}") ==
                EXIT_MERGE_MISMATCH,
            "a metric typed differently: 112");
    T_CHECK(add(total, ge, tc, 1, "{\"metric\":\"t_ms\",\"type\":\"trend\"}") ==
                EXIT_REPORT_BAD_INPUT,
            "a trend without a histogram: 111");
    T_CHECK(add(total, ge, tc, 1, "{\"metric\":\"x\",\"type\":\"nope\"}") == EXIT_REPORT_BAD_INPUT,
            "an unknown type: 111");
    T_CHECK(add(total, ge, tc, 1,
                "{\"metric\":\"http_reqs\",\"type\":\"counter\",\"tags\":{\"a\":1},\"values\":{"
                "\"count\":1}}") == EXIT_REPORT_BAD_INPUT,
            "a tag that is not a string: 111");
    hist_free(a), hist_free(b), hist_free(both);
    tag_cache_free(tc);
    store_free(total);
    store_free(ge);
}

static void test_iteration_errors(void) {
    error_tally t = {0};
    cJSON *a = cJSON_Parse("{\"count\":10,\"top\":[{\"message\":\"x.lua:1: boom\",\"count\":6},"
                           "{\"message\":\"x.lua:2: bang\",\"count\":3}]}");
    cJSON *b = cJSON_Parse("{\"count\":4,\"top\":[{\"message\":\"x.lua:2: bang\",\"count\":4}]}");
    merge_iteration_errors(&t, a);
    merge_iteration_errors(&t, b);
    const error_kind *top[4];
    int n = error_tally_top(&t, top, 4);
    T_CHECK(t.total == 14, "counts add, also those outside the top lists (%ld)", t.total);
    T_CHECK(n == 2 && strcmp(top[0]->message, "x.lua:2: bang") == 0 && top[0]->count == 7 &&
                top[1]->count == 6,
            "messages merge by text, most frequent first");
    cJSON_Delete(a);
    cJSON_Delete(b);
}

int main(void) {
    test_segments();
    test_rules();
    test_iteration_errors();
    return T_DONE();
}
