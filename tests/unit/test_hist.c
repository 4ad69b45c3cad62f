/* test_hist.c — the log-linear histogram against exact quantiles over sorted samples. */
#include "metrics/hist.h"
#include "t.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double PCTS[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
#define NPCTS (sizeof PCTS / sizeof PCTS[0])

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_u64(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double rng_unit(void) {
    return ((double)(rng_u64() >> 11) + 0.5) / 9007199254740992.0;
}
static double rng_normal(void) {
    return sqrt(-2 * log(rng_unit())) * cos(2 * 3.14159265358979323846 * rng_unit());
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double worst_rel; /* worst relative error seen over all distributions */

/* k6's quantile over sorted samples: i = pct*(n-1), interpolate between floor(i) and ceil(i). Also
 * returns the scale the error bound is relative to: the interpolation of |s[lo]| and |s[hi]|. */
static double exact_pct(const double *s, size_t n, double p, double *scale) {
    double i = (p / 100.0) * ((double)n - 1.0);
    size_t lo = (size_t)floor(i), hi = (size_t)ceil(i);
    double f = i - floor(i);
    *scale = (1 - f) * fabs(s[lo]) + f * fabs(s[hi]);
    return s[lo] + (s[hi] - s[lo]) * f;
}

/* in_range: every sample lies in the bucketed range 2^-128 <= |v| < 2^128 (or is 0), where the
 * relative error bound holds; outside it values are clamped into the edge buckets and only count,
 * min, max, sum, mean, p(0) and p(100) are exact. */
static void check_dist(const char *name, double *v, size_t n, int in_range) {
    lt_hist *h = hist_new();
    double dist_worst = 0;
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        hist_add(h, v[i]);
        sum += v[i];
        if (v[i] < mn) mn = v[i];
        if (v[i] > mx) mx = v[i];
    }
    qsort(v, n, sizeof *v, cmp_double);
    T_CHECK(hist_count(h) == n, "%s: count %llu != %zu", name, (unsigned long long)hist_count(h),
            n);
    T_CHECK(hist_min(h) == mn, "%s: min %.17g != %.17g", name, hist_min(h), mn);
    T_CHECK(hist_max(h) == mx, "%s: max %.17g != %.17g", name, hist_max(h), mx);
    T_CHECK(hist_sum(h) == sum, "%s: sum %.17g != %.17g", name, hist_sum(h), sum);
    T_CHECK(hist_mean(h) == sum / (double)n, "%s: mean %.17g", name, hist_mean(h));
    for (size_t k = 0; k < NPCTS && in_range; k++) {
        double scale, want = exact_pct(v, n, PCTS[k], &scale), got = hist_percentile(h, PCTS[k]);
        double err = fabs(got - want);
        double bound = scale * LT_HIST_REL_ERROR + scale * 1e-14 + 1e-300;
        if (scale > 0 && err / scale > dist_worst) dist_worst = err / scale;
        T_CHECK(err <= bound, "%s: p(%g) = %.17g, exact %.17g, error %.3g > %.3g", name, PCTS[k],
                got, want, err, bound);
    }
    if (in_range && n >= 1000) printf("%-24s worst relative error %.4g\n", name, dist_worst);
    if (dist_worst > worst_rel) worst_rel = dist_worst;
    T_CHECK(hist_percentile(h, 0) == mn, "%s: p(0) is not min", name);
    T_CHECK(hist_percentile(h, 100) == mx, "%s: p(100) is not max", name);
    hist_free(h);
}

#define N 200000
static double samples[N];

static void test_distributions(void) {
    for (size_t i = 0; i < N; i++) samples[i] = 0.001 + rng_unit() * (10000 - 0.001); /* 1us..10s */
    check_dist("uniform", samples, N, 1);
    for (size_t i = 0; i < N; i++) samples[i] = exp(log(50) + 1.5 * rng_normal());
    check_dist("lognormal", samples, N, 1);
    for (size_t i = 0; i < N; i++) samples[i] = exp(log(20) + 5 * rng_normal()); /* <1e-3, >1e6 */
    check_dist("wide lognormal", samples, N, 1);
    for (size_t i = 0; i < N; i++) samples[i] = -100 * log(rng_unit());
    check_dist("exponential", samples, N, 1);
    for (size_t i = 0; i < N; i++) samples[i] = 42.5;
    check_dist("constant", samples, N, 1);
    for (size_t i = 0; i < N; i++)
        samples[i] = rng_unit() < 0.7 ? 5 + rng_normal() : 5e6 + 5e5 * rng_normal();
    check_dist("bimodal", samples, N, 1);
    for (size_t i = 0; i < N; i++)
        samples[i] = exp(log(1e-9) + rng_unit() * log(1e21)); /* 1e-9..1e12 */
    check_dist("log-uniform 1e-9..1e12", samples, N, 1);
    for (size_t i = 0; i < N; i++) {
        double u = rng_unit();
        samples[i] = u < 0.05 ? -exp(3 * rng_normal()) : u < 0.1 ? 0 : exp(2 * rng_normal());
    }
    check_dist("negatives and zeros", samples, N, 1);
    for (size_t i = 0; i < N; i++) samples[i] = -0.5 - 1000 * rng_unit();
    check_dist("all negative", samples, N, 1);
    for (size_t i = 0; i < N; i++) samples[i] = (double)(rng_u64() % 7) - 3; /* ties, -3..3 */
    check_dist("small integers", samples, N, 1);
    /* Out of the bucketed range: clamped, still exact at the ends and at min/max. */
    double edge[] = {1e-300, 5e-324, 1e300, -1e300, 1.7e308, 3, 4};
    check_dist("extremes", edge, sizeof edge / sizeof edge[0], 0);
    double edge_in[] = {ldexp(1, -128), -ldexp(1.3, -128), ldexp(1.999, 127), -3.4e38, 1, 0};
    check_dist("range ends", edge_in, sizeof edge_in / sizeof edge_in[0], 1);
    for (size_t n = 1; n <= 5; n++) { /* tiny counts */
        for (size_t i = 0; i < n; i++) samples[i] = 1 + 10 * rng_unit();
        check_dist("tiny", samples, n, 1);
    }
}

static void test_empty_and_nan(void) {
    lt_hist *h = hist_new();
    T_CHECK(hist_count(h) == 0 && hist_min(h) == 0 && hist_max(h) == 0 && hist_sum(h) == 0 &&
                hist_mean(h) == 0 && hist_percentile(h, 50) == 0 && hist_percentile(h, 0) == 0 &&
                hist_percentile(h, 100) == 0,
            "empty histogram is not all 0");
    hist_add(h, NAN);
    hist_add(h, -NAN);
    T_CHECK(hist_count(h) == 0, "NaN was counted");
    hist_add(h, 7);
    hist_add(h, NAN);
    T_CHECK(hist_count(h) == 1 && hist_percentile(h, 50) == 7 && hist_mean(h) == 7,
            "one sample: count %llu p50 %g", (unsigned long long)hist_count(h),
            hist_percentile(h, 50));
    T_CHECK(hist_percentile(h, -5) == 7 && hist_percentile(h, 500) == 7, "p outside [0,100]");
    hist_reset(h);
    T_CHECK(hist_count(h) == 0 && hist_max(h) == 0 && hist_percentile(h, 99) == 0, "reset");
    hist_add(h, -0.0);
    hist_add(h, 0.0);
    T_CHECK(hist_count(h) == 2 && hist_percentile(h, 50) == 0, "zeros");
    hist_free(h);
    hist_free(NULL);
}

static char *print_part(const cJSON *o, const char *key) {
    return cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Same samples, same buckets: compares everything but sum, which may differ in the last bits when
 * added in another order. */
static void check_same(const char *what, const lt_hist *a, const lt_hist *b, int sum_exact) {
    T_CHECK(hist_count(a) == hist_count(b), "%s: count", what);
    T_CHECK(hist_min(a) == hist_min(b) && hist_max(a) == hist_max(b), "%s: min/max", what);
    if (sum_exact)
        T_CHECK(hist_sum(a) == hist_sum(b), "%s: sum %.17g vs %.17g", what, hist_sum(a),
                hist_sum(b));
    else
        T_CHECK(fabs(hist_sum(a) - hist_sum(b)) <= 1e-12 * fabs(hist_sum(a)), "%s: sum", what);
    int bad = 0;
    for (double p = 0; p <= 100; p += 0.25) bad += hist_percentile(a, p) != hist_percentile(b, p);
    for (size_t k = 0; k < NPCTS; k++)
        bad += hist_percentile(a, PCTS[k]) != hist_percentile(b, PCTS[k]);
    T_CHECK(bad == 0, "%s: %d percentiles differ", what, bad);
    cJSON *ja = hist_to_json(a), *jb = hist_to_json(b);
    const char *keys[] = {"count", "zero", "sub", "pos", "neg", "min", "max"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char *sa = print_part(ja, keys[k]), *sb = print_part(jb, keys[k]);
        T_CHECK(sa && sb && strcmp(sa, sb) == 0, "%s: \"%s\" differs", what, keys[k]);
        free(sa), free(sb);
    }
    cJSON_Delete(ja), cJSON_Delete(jb);
}

static lt_hist *mixed_hist(size_t n, lt_hist *parts[4]) {
    lt_hist *all = hist_new();
    for (size_t i = 0; i < n; i++) {
        double u = rng_unit(), v;
        if (u < 0.03)
            v = -exp(4 * rng_normal());
        else if (u < 0.05)
            v = 0;
        else
            v = exp(log(30) + 3 * rng_normal());
        hist_add(all, v);
        if (parts) hist_add(parts[rng_u64() % 4], v);
    }
    return all;
}

static void test_merge(void) {
    lt_hist *parts[4];
    for (int i = 0; i < 4; i++) parts[i] = hist_new();
    lt_hist *all = mixed_hist(100000, parts);
    lt_hist *m = hist_new();
    for (int i = 0; i < 4; i++) hist_merge(m, parts[i]);
    check_same("merge of 4", all, m, 0);
    lt_hist *empty = hist_new();
    hist_merge(m, empty); /* merging nothing changes nothing */
    check_same("merge of empty", all, m, 0);
    hist_merge(empty, all); /* into an empty one: a copy */
    check_same("merge into empty", all, empty, 1);
    for (int i = 0; i < 4; i++) hist_free(parts[i]);
    hist_free(all), hist_free(m), hist_free(empty);
}

static void test_json_round_trip(void) {
    lt_hist *h = mixed_hist(50000, NULL);
    hist_add(h, 1e-300); /* clamped edge buckets survive too */
    hist_add(h, 1e300);
    char err[256];
    /* In memory: bit-exact. */
    cJSON *j = hist_to_json(h);
    lt_hist *back = hist_from_json(j, err, sizeof err);
    T_CHECK(back != NULL, "from_json of to_json failed: %s", err);
    if (back) check_same("in-memory round trip", h, back, 1);
    /* Through text: the text is stable and every bucket and count is exact. */
    char *text = cJSON_PrintUnformatted(j);
    cJSON *parsed = cJSON_Parse(text);
    lt_hist *back2 = hist_from_json(parsed, err, sizeof err);
    T_CHECK(back2 != NULL, "from_json of printed JSON failed: %s", err);
    if (back2) {
        cJSON *j2 = hist_to_json(back2);
        char *text2 = cJSON_PrintUnformatted(j2);
        T_CHECK(strcmp(text, text2) == 0, "text round trip differs");
        T_CHECK(hist_count(back2) == hist_count(h), "text round trip count");
        T_CHECK(fabs(hist_sum(back2) - hist_sum(h)) <= 2e-16 * fabs(hist_sum(h)), "sum");
        free(text2);
        cJSON_Delete(j2);
    }
    /* cJSON prints 15 digits when they read back within DBL_EPSILON, so min, max and sum may come
     * back an ulp or two off; a min at the very top of its bucket must still be accepted. */
    lt_hist *edge = hist_new();
    hist_add(edge, nextafter(2, 0)), hist_add(edge, 3), hist_add(edge, -nextafter(4, 0));
    hist_add(edge, -nextafter(1, 2)), hist_add(edge, nextafter(8, 0));
    cJSON *jedge = hist_to_json(edge);
    char *tedge = cJSON_PrintUnformatted(jedge);
    cJSON *pedge = cJSON_Parse(tedge);
    lt_hist *bedge = hist_from_json(pedge, err, sizeof err);
    T_CHECK(bedge != NULL, "edge values through text rejected: %s (%s)", err, tedge);
    if (bedge) {
        T_CHECK(fabs(hist_min(bedge) - hist_min(edge)) <= 2 * 4.5e-16 * fabs(hist_min(edge)) &&
                    fabs(hist_max(bedge) - hist_max(edge)) <= 2 * 4.5e-16 * fabs(hist_max(edge)),
                "edge min/max %.17g %.17g", hist_min(bedge), hist_max(bedge));
        T_CHECK(hist_percentile(bedge, 50) == hist_percentile(edge, 50), "edge p50");
    }
    free(tedge);
    cJSON_Delete(jedge), cJSON_Delete(pedge);
    hist_free(edge), hist_free(bedge);
    /* Empty histograms too. */
    lt_hist *e = hist_new();
    cJSON *je = hist_to_json(e);
    lt_hist *eback = hist_from_json(je, err, sizeof err);
    T_CHECK(eback && hist_count(eback) == 0 && hist_percentile(eback, 50) == 0, "empty: %s", err);
    char *etext = cJSON_PrintUnformatted(je);
    T_CHECK(strcmp(etext, "{\"count\":0,\"min\":0,\"max\":0,\"sum\":0,\"sub\":512,\"zero\":0,"
                          "\"pos\":[],\"neg\":[]}") == 0,
            "empty JSON: %s", etext);
    /* The documented index layout: 1 is 2^0 sub 0, so (0 + 1100) * 512; 1.5 is sub 256. */
    lt_hist *one = hist_new();
    hist_add(one, 1), hist_add(one, 1.5), hist_add(one, -3), hist_add(one, 0);
    cJSON *jo = hist_to_json(one);
    char *otext = cJSON_PrintUnformatted(jo);
    T_CHECK(strcmp(otext, "{\"count\":4,\"min\":-3,\"max\":1.5,\"sum\":-0.5,\"sub\":512,\"zero\":1,"
                          "\"pos\":[[563200,1],[563456,1]],\"neg\":[[563968,1]]}") == 0,
            "layout: %s", otext);
    free(otext), free(etext), free(text);
    cJSON_Delete(jo), cJSON_Delete(je), cJSON_Delete(j), cJSON_Delete(parsed);
    hist_free(one), hist_free(e), hist_free(eback), hist_free(h), hist_free(back), hist_free(back2);
}

static void test_json_rejects(void) {
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"[]", "not an object"},
        {"{}", "empty object"},
        {"{\"count\":\"1\",\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,1]"
         "],"
         "\"neg\":[]}",
         "count is a string"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":256,\"zero\":0,\"pos\":[[563200,1]],"
         "\"neg\":[]}",
         "sub is not 512"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":{},\"neg\":[]}",
         "pos is an object"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,1]]}",
         "neg missing"},
        {"{\"count\":2,\"min\":1,\"max\":1.5,\"sum\":2.5,\"sub\":512,\"zero\":0,"
         "\"pos\":[[563456,1],[563200,1]],\"neg\":[]}",
         "unsorted indexes"},
        {"{\"count\":2,\"min\":1,\"max\":1,\"sum\":2,\"sub\":512,\"zero\":0,"
         "\"pos\":[[563200,1],[563200,1]],\"neg\":[]}",
         "duplicate index"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[5,1]],"
         "\"neg\":[]}",
         "index out of range (low)"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[99999999,1]],"
         "\"neg\":[]}",
         "index out of range (high)"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[-1,1]],"
         "\"neg\":[]}",
         "negative index"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200.5,1]],"
         "\"neg\":[]}",
         "fractional index"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,-1]],"
         "\"neg\":[]}",
         "negative count"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,\"1\"]"
         "],"
         "\"neg\":[]}",
         "count is a string"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200]],"
         "\"neg\":[]}",
         "pair of one"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[563200],"
         "\"neg\":[]}",
         "pair is a number"},
        {"{\"count\":3,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,1]],"
         "\"neg\":[]}",
         "count mismatch"},
        {"{\"count\":1,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":-1,\"pos\":[[563200,2]],"
         "\"neg\":[]}",
         "negative zero count"},
        {"{\"count\":1,\"min\":1,\"max\":1e999,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,1]"
         "],"
         "\"neg\":[]}",
         "infinite max"},
        {"{\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"sub\":512,\"zero\":0,\"pos\":[[563200,1]],"
         "\"neg\":[]}",
         "min/max outside the buckets"},
        {"{\"count\":2,\"min\":1.5,\"max\":1,\"sum\":2.5,\"sub\":512,\"zero\":0,"
         "\"pos\":[[563200,1],[563456,1]],\"neg\":[]}",
         "min/max swapped"},
        {"{\"count\":0,\"min\":3,\"max\":0,\"sum\":0,\"sub\":512,\"zero\":0,\"pos\":[],\"neg\":[]}",
         "empty with a min"},
        {"{\"count\":1e300,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,\"pos\":[[563200,1]"
         "],"
         "\"neg\":[]}",
         "huge count"},
        {"{\"count\":18014398509481984,\"min\":1,\"max\":1,\"sum\":1,\"sub\":512,\"zero\":0,"
         "\"pos\":[[563200,9007199254740992],[563201,9007199254740992]],\"neg\":[]}",
         "count beyond 2^53"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *j = cJSON_Parse(bad[i].json);
        char err[256] = "";
        T_CHECK(j != NULL, "test JSON %zu does not parse", i);
        lt_hist *h = hist_from_json(j, err, sizeof err);
        T_CHECK(h == NULL && err[0], "accepted: %s", bad[i].why);
        hist_free(h);
        cJSON_Delete(j);
    }
    char err[64] = "";
    T_CHECK(hist_from_json(NULL, err, sizeof err) == NULL && err[0], "NULL accepted");
    /* A valid hand-written one with negatives, zeros and positives. */
    cJSON *j =
        cJSON_Parse("{\"count\":4,\"min\":-3,\"max\":1.5,\"sum\":-0.5,\"sub\":512,\"zero\":1,"
                    "\"pos\":[[563200,1],[563456,1]],\"neg\":[[563968,1]]}");
    lt_hist *h = hist_from_json(j, err, sizeof err);
    T_CHECK(h && hist_count(h) == 4 && hist_percentile(h, 0) == -3 &&
                hist_percentile(h, 100) == 1.5 && hist_percentile(h, 100.0 / 3) == 0,
            "hand-written JSON: %s", err);
    hist_free(h);
    cJSON_Delete(j);
}

typedef struct {
    int n;
    uint64_t total;
    double prev, worst;
    bool ascending;
} bucket_walk;

static void on_bucket(double mid, uint64_t count, void *arg) {
    bucket_walk *w = arg;
    w->ascending &= mid > w->prev;
    w->prev = mid;
    w->n++;
    w->total += count;
}

/* hist_foreach_bucket: every non-empty bucket once, ascending, counts adding up; zeros apart. */
static void test_foreach_bucket(void) {
    lt_hist *h = hist_new();
    for (int i = 1; i <= 1000; i++) hist_add(h, i * 0.37);
    hist_add(h, 0);
    hist_add(h, 0);
    hist_add(h, -5);
    hist_add(h, -500);
    bucket_walk pos = {.ascending = true}, neg = {.ascending = true};
    hist_foreach_bucket(h, 0, on_bucket, &pos);
    hist_foreach_bucket(h, 1, on_bucket, &neg);
    T_CHECK(pos.total == 1000 && pos.ascending, "positive: %llu samples, ascending %d",
            (unsigned long long)pos.total, pos.ascending);
    T_CHECK(neg.total == 2 && neg.n == 2 && neg.ascending && neg.prev > 499 && neg.prev < 501,
            "negative: by magnitude, %d buckets, last %g", neg.n, neg.prev);
    T_CHECK(hist_zero_count(h) == 2, "zeros %llu", (unsigned long long)hist_zero_count(h));
    hist_free(h);
}

int main(void) {
    test_foreach_bucket();
    test_distributions();
    test_empty_and_nan();
    test_merge();
    test_json_round_trip();
    test_json_rejects();
    printf("worst relative error %.6g (bound %.6g)\n", worst_rel, LT_HIST_REL_ERROR);
    return T_DONE();
}
