/* test_timeline.c — the summary's timeline (output/timeline.h): counts add up to the totals, also
 * after points merge past 600; percentiles per window (a spike shows only where it happened) and
 * exact after merging; target rates from the plan (constant and ramping); scraped gauges; events.
 */
#include "metrics/metrics.h"
#include "output/timeline.h"
#include "t.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static plan *build(const char *json) {
    cJSON *o = cJSON_Parse(json);
    plan_overrides ov = {.time_scale = 1};
    char err[256] = "";
    plan *p = plan_build(o, &ov, err, sizeof err);
    cJSON_Delete(o);
    if (!p) printf("plan: %s\n", err);
    return p;
}

static const char *PLAN_JSON =
    "{\"scenarios\":{"
    "\"steady\":{\"executor\":\"constant-arrival-rate\",\"rate\":50,\"timeUnit\":\"1s\","
    "\"duration\":\"20000s\",\"preAllocatedVUs\":5},"
    "\"ramp\":{\"executor\":\"ramping-arrival-rate\",\"startRate\":0,\"timeUnit\":\"1s\","
    "\"preAllocatedVUs\":5,\"stages\":[{\"duration\":\"10s\",\"target\":100},"
    "{\"duration\":\"10s\",\"target\":100}]},"
    "\"closed\":{\"executor\":\"constant-vus\",\"vus\":3,\"duration\":\"5s\"}}}";

static uint32_t tags_of(const char *k1, const char *v1, const char *k2, const char *v2) {
    static tag_cache *c;
    if (!c) c = tag_cache_new();
    tag_builder b = {0};
    if (k1) tags_put(&b, k1, v1);
    if (k2) tags_put(&b, k2, v2);
    return tagset_intern(c, &b);
}

static const cJSON *at(const cJSON *o, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur;
         k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cur;
}

static double sum_of(const cJSON *a) {
    double s = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) s += cJSON_IsNumber(v) ? v->valuedouble : 0;
    return s;
}

static double nth(const cJSON *a, int i) {
    const cJSON *v = cJSON_GetArrayItem(a, i);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Every array in the timeline has as many entries as "t". */
static bool same_lengths(const cJSON *o, int n) {
    const cJSON *c;
    cJSON_ArrayForEach(c, o) {
        if (strcmp(c->string ? c->string : "", "events") == 0) continue;
        if (cJSON_IsArray(c) && strcmp(c->string ? c->string : "", "scraped") != 0 &&
            cJSON_GetArraySize(c) != n)
            return printf("  %s has %d entries, t %d\n", c->string, cJSON_GetArraySize(c), n),
                   false;
        if (cJSON_IsObject(c) && !same_lengths(c, n)) return false;
        if (cJSON_IsArray(c) && strcmp(c->string ? c->string : "", "scraped") == 0) {
            const cJSON *e;
            cJSON_ArrayForEach(e, c) if (cJSON_GetArraySize(at(e, "values")) != n) return false;
        }
    }
    return true;
}

static int index_of(const plan *p, const char *name) {
    for (int i = 0; i < p->nscenarios; i++)
        if (strcmp(p->scenarios[i].name, name) == 0) return i;
    return 0;
}

static bool scraped_metric(int metric, void *arg) {
    return metric == *(int *)arg;
}

/* A long run, one tick a second: at most 600 points, counts exact after every doubling,
 * percentiles of merged points equal to those of one histogram fed the same samples. */
static void test_long_run(const plan *p, int match_latency, int gauge) {
    timeline *tl = timeline_new(p);
    store *iv = store_new(), *total = store_new();
    uint32_t ok = tags_of("scenario", "steady", "status", "200");
    uint32_t bad = tags_of("scenario", "steady", "status", "500");
    uint32_t ramp = tags_of("scenario", "ramp", NULL, NULL);
    uint32_t shard = tags_of("shard", "a", "target", "127.0.0.1:1");
    bool started[3] = {true, true, true};
    double start_s[3] = {0, 0, 0};
    int vus[3] = {0, 0, 0};
    vus[index_of(p, "steady")] = 4;
    started[index_of(p, "closed")] = false;
    timeline_scenarios sc = {started, start_s, vus};
    const int ticks = 10000;
    lt_hist *last_point = hist_new(); /* the samples of the last 32-second point, by hand */
    for (int t = 1; t <= ticks; t++) {
        store_clear(iv);
        int n = t % 7 + 1;
        for (int i = 0; i < n; i++) {
            double ms = 1 + (t * 13 + i * 7) % 97;
            store_add(iv, M_HTTP_REQS, i % 3 ? ok : bad, 1);
            store_add(iv, M_HTTP_REQ_FAILED, i % 3 ? ok : bad, i % 3 ? 0 : 1);
            store_add(iv, M_HTTP_REQ_DURATION, i % 3 ? ok : bad, ms);
            store_add(iv, match_latency, ok, ms * 2);
            if (t > (ticks - 1) / 32 * 32) hist_add(last_point, ms);
        }
        store_add(iv, M_ITERATIONS, ok, 1);
        store_add(iv, M_ITERATIONS, ramp, 1);
        store_add(iv, M_DROPPED_ITERATIONS, ramp, t % 2);
        store_add(iv, gauge, shard, 10); /* a scraped per-second rate, steady */
        store_merge(total, iv);
        timeline_collect(tl, t + 0.0004, iv, &sc, scraped_metric, &gauge, false);
    }
    cJSON *j = timeline_json(tl);
    int np = cJSON_GetArraySize(at(j, "t"));
    double w = at(j, "interval_s")->valuedouble;
    T_CHECK(np <= TIMELINE_MAX_POINTS && np > 300, "points %d", np);
    T_CHECK(w == 32, "interval_s %g (10000 s / 600 points: 32)", w);
    T_CHECK(np == (ticks + 31) / 32, "points %d", np);
    T_CHECK(nth(at(j, "t"), np - 1) == np * 32, "last t %g", nth(at(j, "t"), np - 1));
    T_CHECK(same_lengths(j, np), "every array as long as t");
    series s;
    store_select(total, M_HTTP_REQS, 0, NULL, NULL, &s);
    T_CHECK(sum_of(at(j, "http.reqs")) == s.sum, "reqs %g vs %g", sum_of(at(j, "http.reqs")),
            s.sum);
    series_release(&s);
    store_select(total, M_HTTP_REQ_FAILED, 0, NULL, NULL, &s);
    T_CHECK(sum_of(at(j, "http.failed")) == (double)s.nonzero, "failed %g vs %g",
            sum_of(at(j, "http.failed")), (double)s.nonzero);
    series_release(&s);
    T_CHECK(sum_of(at(j, "scenarios.steady.iterations")) == ticks, "iterations");
    T_CHECK(sum_of(at(j, "scenarios.ramp.dropped")) == ticks / 2, "dropped %g",
            sum_of(at(j, "scenarios.ramp.dropped")));
    store_select(total, match_latency, 0, NULL, NULL, &s);
    T_CHECK(sum_of(at(j, "trends.match_latency_ms.count")) == (double)hist_count(s.hist),
            "trend count");
    series_release(&s);
    double p99 = nth(at(j, "http.p99_ms"), np - 1);
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", hist_percentile(last_point, 99));
    double want = strtod(buf, NULL);
    T_CHECK(fabs(p99 - want) < 1e-9, "merged p99 %g, one histogram %g", p99, want);
    T_CHECK(nth(at(j, "scenarios.steady.vus"), 5) == 4, "vus %g",
            nth(at(j, "scenarios.steady.vus"), 5));
    T_CHECK(nth(at(j, "scenarios.steady.target_rate"), 5) == 50, "constant target_rate %g",
            nth(at(j, "scenarios.steady.target_rate"), 5));
    T_CHECK(cJSON_IsNull(cJSON_GetArrayItem(at(j, "scenarios.closed.target_rate"), 0)),
            "closed model: target_rate null");
    const cJSON *sc0 = cJSON_GetArrayItem(at(j, "scraped"), 0);
    T_CHECK(cJSON_GetArraySize(at(j, "scraped")) == 1, "one scraped series");
    T_CHECK(sc0 && strcmp(at(sc0, "tags.shard")->valuestring, "a") == 0, "scraped tags");
    T_CHECK(sc0 && sum_of(at(sc0, "values")) * w >= ticks * 10 - 32 * 10,
            "scraped values x interval ~ increase: %g", sc0 ? sum_of(at(sc0, "values")) * w : 0);
    T_CHECK(cJSON_IsFalse(at(j, "scraped_truncated")), "not truncated");
    cJSON_Delete(j);
    hist_free(last_point);
    store_free(iv);
    store_free(total);
    timeline_free(tl);
}

/* A slow window: p99 rises in those points only. The ramp's target follows its stages. */
static void test_spike_and_ramp(const plan *p) {
    timeline *tl = timeline_new(p);
    store *iv = store_new();
    uint32_t ok = tags_of("scenario", "steady", NULL, NULL);
    bool started[3] = {true, true, true};
    double start_s[3] = {0, 0, 0};
    timeline_scenarios sc = {started, start_s, NULL};
    for (int t = 1; t <= 21; t++) {
        store_clear(iv);
        for (int i = 0; i < 100; i++)
            store_add(iv, M_HTTP_REQ_DURATION, ok, (t >= 8 && t <= 10) ? 300 + i : 5 + i % 3);
        timeline_collect(tl, t - 0.0003, iv, &sc, NULL, NULL, false);
    }
    cJSON *j = timeline_json(tl);
    const cJSON *p99 = at(j, "http.p99_ms");
    T_CHECK(cJSON_GetArraySize(p99) == 21, "21 points");
    int high = 0;
    for (int i = 0; i < 21; i++) {
        bool slow = i >= 7 && i <= 9; /* seconds 8-10 */
        if (nth(p99, i) > 200) high++;
        T_CHECK(slow ? nth(p99, i) > 300 : nth(p99, i) < 10, "p99 at %d: %g", i + 1, nth(p99, i));
    }
    T_CHECK(high == 3, "spike in 3 points, not %d", high);
    const cJSON *tr = at(j, "scenarios.ramp.target_rate");
    T_CHECK(fabs(nth(tr, 0) - 10) < 0.01, "ramp at 1 s: %g", nth(tr, 0));
    T_CHECK(fabs(nth(tr, 4) - 50) < 0.01, "ramp at 5 s: %g", nth(tr, 4));
    T_CHECK(fabs(nth(tr, 14) - 100) < 0.01, "plateau at 15 s: %g", nth(tr, 14));
    T_CHECK(fabs(nth(tr, 19) - 100) < 0.01, "end of the last stage: %g", nth(tr, 19));
    T_CHECK(nth(tr, 20) == 0, "after the schedule: %g", nth(tr, 20));
    T_CHECK(cJSON_IsNull(cJSON_GetArrayItem(at(j, "http.p99_corrected_ms"), 0)),
            "no corrected samples: null");
    T_CHECK(nth(at(j, "http.reqs"), 0) == 0, "no http_reqs: 0");
    cJSON_Delete(j);
    store_free(iv);
    timeline_free(tl);
}

/* A scenario that has not started has no target; a short run still has one point; events. */
static void test_short_and_events(const plan *p) {
    timeline *tl = timeline_new(p);
    cJSON *j = timeline_json(tl);
    T_CHECK(cJSON_GetArraySize(at(j, "t")) == 1 && nth(at(j, "t"), 0) == 1, "empty: one point");
    T_CHECK(same_lengths(j, 1), "empty: lengths");
    cJSON_Delete(j);
    store *iv = store_new();
    store_add(iv, M_HTTP_REQS, tags_of(NULL, NULL, NULL, NULL), 1);
    kv_list tags = {1, (char *[]){"phase"}, (char *[]){"outage"}};
    timeline_event(tl, 0.25, "pause_broker", &tags);
    timeline_event(tl, 0.4, NULL, NULL);
    timeline_collect(tl, 0.3, iv, NULL, NULL, NULL, true);
    j = timeline_json(tl);
    T_CHECK(cJSON_GetArraySize(at(j, "t")) == 1, "0.3 s run: one point");
    T_CHECK(nth(at(j, "http.reqs"), 0) == 1, "its request");
    T_CHECK(nth(at(j, "scenarios.steady.target_rate"), 0) == 50, "target at 0.3 s");
    const cJSON *ev = cJSON_GetArrayItem(at(j, "events"), 0);
    T_CHECK(ev && at(ev, "t")->valuedouble == 0.25, "event t");
    T_CHECK(ev && strcmp(at(ev, "exec")->valuestring, "pause_broker") == 0, "event exec");
    T_CHECK(ev && strcmp(at(ev, "tags.phase")->valuestring, "outage") == 0, "event tags");
    ev = cJSON_GetArrayItem(at(j, "events"), 1);
    T_CHECK(ev && cJSON_IsNull(at(ev, "exec")), "tag-only event: exec null");
    cJSON_Delete(j);
    store_free(iv);
    timeline_free(tl);
}

/* Negative, zero and large samples survive packing and merging: two ticks in one second, each
 * point's percentiles equal to one histogram fed the same samples. */
static void test_packed_values(const plan *p, int plain_trend) {
    timeline *tl = timeline_new(p);
    store *iv = store_new();
    lt_hist *ref = hist_new();
    uint32_t none = tags_of(NULL, NULL, NULL, NULL), other = tags_of("k", "v", NULL, NULL);
    const double v1[] = {-5.25, 0, 0, 3.5, 1e6, -1e-3};
    const double v2[] = {7, 0, -12345.678, 2.5e-7};
    store_clear(iv);
    for (size_t i = 0; i < sizeof v1 / sizeof *v1; i++) {
        store_add(iv, plain_trend, i % 2 ? none : other, v1[i]);
        hist_add(ref, v1[i]);
    }
    timeline_collect(tl, 1.0, iv, NULL, NULL, NULL, false);
    store_clear(iv);
    for (size_t i = 0; i < sizeof v2 / sizeof *v2; i++) {
        store_add(iv, plain_trend, none, v2[i]);
        hist_add(ref, v2[i]);
    }
    timeline_collect(tl, 1.3, iv, NULL, NULL, NULL, false); /* also second 1 */
    cJSON *j = timeline_json(tl);
    T_CHECK(cJSON_GetArraySize(at(j, "t")) == 1, "one point");
    const cJSON *tr = at(j, "trends.depth_score");
    T_CHECK(tr && nth(at(tr, "count"), 0) == 10, "count 10");
    for (int k = 0; tr && k < 2; k++) {
        double pct = k ? 99 : 50;
        char buf[32];
        snprintf(buf, sizeof buf, "%.6g", hist_percentile(ref, pct));
        double got = nth(at(tr, k ? "p99" : "p50"), 0);
        T_CHECK(got == strtod(buf, NULL), "p%g %g, one histogram %s", pct, got, buf);
    }
    cJSON_Delete(j);
    hist_free(ref);
    store_free(iv);
    timeline_free(tl);
}

/* More than 200 scraped series: the first 200 are kept, the rest flagged. */
static void test_scraped_cap(const plan *p, int gauge) {
    timeline *tl = timeline_new(p);
    store *iv = store_new();
    for (int i = 0; i < 250; i++) {
        char v[16];
        snprintf(v, sizeof v, "s%d", i);
        store_add(iv, gauge, tags_of("symbol", v, "target", "127.0.0.1:1"), i);
    }
    timeline_collect(tl, 1, iv, NULL, scraped_metric, &gauge, false);
    cJSON *j = timeline_json(tl);
    T_CHECK(cJSON_GetArraySize(at(j, "scraped")) == TIMELINE_MAX_SCRAPED, "capped at 200: %d",
            cJSON_GetArraySize(at(j, "scraped")));
    T_CHECK(cJSON_IsTrue(at(j, "scraped_truncated")), "truncated flag");
    cJSON_Delete(j);
    store_free(iv);
    timeline_free(tl);
}

int main(void) {
    metrics_init();
    char err[256];
    int match_latency = metric_register("match_latency_ms", METRIC_TREND, true, err, sizeof err);
    int gauge = metric_register("me_matches_total_per_s", METRIC_GAUGE, false, err, sizeof err);
    plan *p = build(PLAN_JSON);
    T_CHECK(p != NULL, "plan");
    if (!p) return T_DONE();
    test_long_run(p, match_latency, gauge);
    test_spike_and_ramp(p);
    test_short_and_events(p);
    test_scraped_cap(p, gauge);
    test_packed_values(p, metric_register("depth_score", METRIC_TREND, false, err, sizeof err));
    plan_free(p);
    return T_DONE();
}
