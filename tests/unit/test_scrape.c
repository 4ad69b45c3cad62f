/* test_scrape.c — the Prometheus text parser, the selection rule, and what scraper_collect adds
 * (gauges, tags, per-second rates, counter resets), fed without a network. */
#include "scrape/scrape.h"
#include "t.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXS 64
typedef struct {
    int n;
    char name[MAXS][128];
    int nlabels[MAXS];
    char keys[MAXS][8][64], vals[MAXS][8][128];
    double value[MAXS];
    bool counter[MAXS];
} got;

static void collect_cb(const scrape_sample *smp, void *arg) {
    got *g = arg;
    if (g->n == MAXS) return;
    int i = g->n++;
    snprintf(g->name[i], sizeof g->name[i], "%s", smp->name);
    g->nlabels[i] = smp->nlabels;
    for (int k = 0; k < smp->nlabels && k < 8; k++) {
        snprintf(g->keys[i][k], sizeof g->keys[i][k], "%s", smp->keys[k]);
        snprintf(g->vals[i][k], sizeof g->vals[i][k], "%s", smp->vals[k]);
    }
    g->value[i] = smp->value;
    g->counter[i] = smp->counter;
}

static got *parse(const char *text, const char *const *pats, int npats, scrape_stats *st) {
    static got g;
    memset(&g, 0, sizeof g);
    scrape_parse(text, strlen(text), pats, npats, collect_cb, &g, st);
    return &g;
}

static int find(const got *g, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->name[i], name) == 0) return i;
    return -1;
}

static const char *label(const got *g, int i, const char *key) {
    for (int k = 0; k < g->nlabels[i] && k < 8; k++)
        if (strcmp(g->keys[i][k], key) == 0) return g->vals[i][k];
    return NULL;
}

static void test_basic(void) {
    const char *text = "# HELP me_orders_total Orders accepted.\n"
                       "# TYPE me_orders_total counter\n"
                       "me_orders_total{shard=\"a\",symbol=\"TEST-ASSET-A\",side=\"BUY\"} 1027\n"
                       "me_orders_total{shard=\"a\",symbol=\"TEST-ASSET-A\",side=\"SELL\"} 3.5e2\n"
                       "# TYPE me_orderbook_depth gauge\n"
                       "me_orderbook_depth{shard=\"a\",symbol=\"X\",side=\"BUY\"} 17\n"
                       "plain_untyped 42\n"
                       "with_ts{a=\"1\"} 7 1712345678901\n";
    scrape_stats st;
    got *g = parse(text, NULL, 0, &st);
    T_CHECK(g->n == 5, "n=%d", g->n);
    T_CHECK(st.samples == 5 && st.kept == 5 && st.bad == 0, "%zu %zu %zu", st.samples, st.kept,
            st.bad);
    T_CHECK(strcmp(g->name[0], "me_orders_total") == 0, "%s", g->name[0]);
    T_CHECK(g->value[0] == 1027 && g->counter[0], "%g %d", g->value[0], g->counter[0]);
    T_CHECK(g->nlabels[0] == 3, "%d", g->nlabels[0]);
    T_CHECK(label(g, 0, "symbol") && strcmp(label(g, 0, "symbol"), "TEST-ASSET-A") == 0, "symbol");
    T_CHECK(g->value[1] == 350, "%g", g->value[1]);
    int d = find(g, "me_orderbook_depth");
    T_CHECK(d >= 0 && g->value[d] == 17 && !g->counter[d], "depth");
    int u = find(g, "plain_untyped");
    T_CHECK(u >= 0 && g->value[u] == 42 && !g->counter[u] && g->nlabels[u] == 0, "untyped");
    int w = find(g, "with_ts");
    T_CHECK(w >= 0 && g->value[w] == 7, "timestamp ignored");
}

static void test_escapes_and_specials(void) {
    const char *text = "esc{path=\"C:\\\\dir\\\\f\",msg=\"say \\\"hi\\\"\\nbye\",e=\"\"} 1\n"
                       "nan_metric NaN\n"
                       "pinf +Inf\n"
                       "ninf -Inf\n"
                       "neg -0.25\n"
                       "  spaced  {  a = \"b\" , }   3  \r\n"
                       "trailing_comma{a=\"x\",} 4\n"
                       "brace_in_value{a=\"}{,=\"} 5\n";
    scrape_stats st;
    got *g = parse(text, NULL, 0, &st);
    T_CHECK(st.bad == 0, "bad=%zu", st.bad);
    int i = find(g, "esc");
    T_CHECK(i >= 0, "esc found");
    if (i >= 0) {
        T_CHECK(strcmp(label(g, i, "path"), "C:\\dir\\f") == 0, "path=%s", label(g, i, "path"));
        T_CHECK(strcmp(label(g, i, "msg"), "say \"hi\"\nbye") == 0, "msg=%s", label(g, i, "msg"));
        T_CHECK(label(g, i, "e") && !*label(g, i, "e"), "empty value");
    }
    i = find(g, "nan_metric");
    T_CHECK(i >= 0 && isnan(g->value[i]), "NaN");
    i = find(g, "pinf");
    T_CHECK(i >= 0 && isinf(g->value[i]) && g->value[i] > 0, "+Inf");
    i = find(g, "ninf");
    T_CHECK(i >= 0 && isinf(g->value[i]) && g->value[i] < 0, "-Inf");
    i = find(g, "neg");
    T_CHECK(i >= 0 && g->value[i] == -0.25, "neg");
    i = find(g, "spaced");
    T_CHECK(i >= 0 && g->value[i] == 3 && strcmp(label(g, i, "a"), "b") == 0, "spaces, CRLF");
    i = find(g, "trailing_comma");
    T_CHECK(i >= 0 && g->value[i] == 4, "trailing comma");
    i = find(g, "brace_in_value");
    T_CHECK(i >= 0 && strcmp(label(g, i, "a"), "}{,=") == 0, "brace in value");
}

static void test_histogram_and_summary(void) {
    const char *text = "# TYPE me_match_duration_seconds histogram\n"
                       "me_match_duration_seconds_bucket{shard=\"a\",le=\"0.001\"} 5\n"
                       "me_match_duration_seconds_bucket{shard=\"a\",le=\"+Inf\"} 9\n"
                       "me_match_duration_seconds_sum{shard=\"a\"} 0.0123\n"
                       "me_match_duration_seconds_count{shard=\"a\"} 9\n"
                       "# TYPE rpc summary\n"
                       "rpc{quantile=\"0.99\"} 0.2\n"
                       "rpc_sum 10\n"
                       "rpc_count 50\n"
                       "# TYPE om counter\n"
                       "om_total 12\n"
                       "om_created 1.7e9\n"
                       "untyped_bucket{le=\"1\"} 3\n";
    got *g = parse(text, NULL, 0, NULL);
    T_CHECK(find(g, "me_match_duration_seconds_bucket") < 0, "buckets skipped by default");
    T_CHECK(find(g, "untyped_bucket") < 0, "untyped bucket with le skipped");
    int i = find(g, "me_match_duration_seconds_count");
    T_CHECK(i >= 0 && g->counter[i] && g->value[i] == 9, "_count is a counter");
    i = find(g, "me_match_duration_seconds_sum");
    T_CHECK(i >= 0 && g->counter[i], "_sum is a counter");
    i = find(g, "rpc");
    T_CHECK(i >= 0 && !g->counter[i] && g->value[i] == 0.2, "quantile is a gauge");
    i = find(g, "rpc_count");
    T_CHECK(i >= 0 && g->counter[i], "summary _count is a counter");
    i = find(g, "om_total");
    T_CHECK(i >= 0 && g->counter[i], "OpenMetrics counter family");
    T_CHECK(find(g, "om_created") < 0, "_created skipped");

    const char *const broad[] = {"me_*"};
    g = parse(text, broad, 1, NULL);
    T_CHECK(g->n == 2, "me_* keeps _sum and _count, not buckets: n=%d", g->n);
    const char *const buckets[] = {"me_*_bucket"};
    g = parse(text, buckets, 1, NULL);
    T_CHECK(g->n == 2 && find(g, "me_match_duration_seconds_bucket") >= 0, "buckets selected");
    i = find(g, "me_match_duration_seconds_bucket");
    T_CHECK(i >= 0 && g->counter[i], "a bucket is a counter");
}

static void test_patterns(void) {
    const char *text = "me_orders_total 1\nme_orderbook_depth 2\nme_matches_total 3\ngw_x 4\n";
    const char *const one[] = {"me_orders_total"};
    got *g = parse(text, one, 1, NULL);
    T_CHECK(g->n == 1 && strcmp(g->name[0], "me_orders_total") == 0, "exact");
    const char *const two[] = {"me_orderbook_*", "gw_?"};
    g = parse(text, two, 2, NULL);
    T_CHECK(g->n == 2 && find(g, "me_orderbook_depth") >= 0 && find(g, "gw_x") >= 0, "globs");
    const char *const cls[] = {"me_[om]*_total"};
    g = parse(text, cls, 1, NULL);
    T_CHECK(g->n == 2, "class n=%d", g->n);
    T_CHECK(scrape_selected(NULL, 0, "x", false) && !scrape_selected(NULL, 0, "x_bucket", true),
            "none = all but buckets");
}

static void test_hostile(void) {
    const char *bad = "no_value\n"
                      "unterminated{a=\"x} 1\n"
                      "noeq{a\"x\"} 1\n"
                      "{a=\"x\"} 1\n"
                      "9starts_with_digit 1\n"
                      "val_garbage 12abc\n"
                      "missing_close{a=\"x\" 1\n"
                      "ok_after 5\n"
                      "x{a=\"\\";
    scrape_stats st;
    got *g = parse(bad, NULL, 0, &st);
    T_CHECK(g->n == 1 && find(g, "ok_after") >= 0, "only the good line: n=%d", g->n);
    T_CHECK(st.bad == 8, "bad=%zu", st.bad);

    /* a body that is not NUL-terminated, ending mid-line */
    char buf[32];
    memcpy(buf, "abc 1\nabc{x=\"yyyyyyyyyyyyyyyyyyyy", 32);
    memset(&st, 0, sizeof st);
    g = parse("", NULL, 0, NULL);
    scrape_parse(buf, sizeof buf, NULL, 0, collect_cb, g, &st);
    T_CHECK(g->n == 1 && st.bad == 1, "no NUL: n=%d bad=%zu", g->n, st.bad);

    /* too many labels: the line is skipped rather than mis-identified */
    char many[4096] = "many{";
    for (int i = 0; i < 40; i++) {
        char l[32];
        snprintf(l, sizeof l, "l%d=\"v\",", i);
        strcat(many, l);
    }
    strcat(many, "} 1\nfine 2\n");
    g = parse(many, NULL, 0, &st);
    T_CHECK(g->n == 1 && find(g, "fine") >= 0 && st.bad == 1, "too many labels");

    /* random bytes never crash */
    srand(7);
    char *junk = malloc(1 << 16);
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(rand() % (1 << 16));
        for (size_t i = 0; i < n; i++) {
            static const char alphabet[] = "a_{}=\",\\ \n#TYPE 1.e+Inf\t";
            junk[i] = rand() % 4 ? alphabet[rand() % (sizeof alphabet - 1)] : (char)rand();
        }
        scrape_parse(junk, n, NULL, 0, NULL, NULL, &st);
    }
    free(junk);
    T_CHECK(1, "random input");

    /* # EOF ends the exposition */
    g = parse("a 1\n# EOF\nb 2\n", NULL, 0, NULL);
    T_CHECK(g->n == 1, "EOF");
}

static const series *find_series(const store *st, const char *metric, const char *key,
                                 const char *val) {
    int id = metric_find(metric);
    for (size_t i = 0; i < store_len(st); i++) {
        const series *s = store_at(st, i);
        if (s->metric != id) continue;
        const char *v = tagset_value(tagset_get(s->tags), key);
        if (v && strcmp(v, val) == 0) return s;
    }
    return NULL;
}

static void test_collect(void) {
    metrics_init();
    char err[256];
    const char *urls[] = {"http://127.0.0.1:9101/metrics", "http://localhost:9102"};
    const char *const pats[] = {"sc_*"};
    scraper *s = scraper_new(urls, 2, pats, 1, err, sizeof err);
    T_CHECK(s != NULL, "new: %s", err);
    if (!s) return;
    store *st = store_new();
    const char *t0 = "# TYPE sc_orders_total counter\n"
                     "sc_orders_total{shard=\"a\",target=\"x\"} 100\n"
                     "sc_depth{shard=\"a\"} 5\n"
                     "other 1\n";
    const char *t1 = "sc_orders_total{shard=\"a\",target=\"x\"} 150\nsc_depth{shard=\"a\"} NaN\n";
    const char *t2 = "sc_orders_total{shard=\"a\",target=\"x\"} 20\n"; /* a reset */
    /* two scrapes before the first collection: the first is the baseline */
    scraper_feed(s, 0, t0, strlen(t0), 10.0);
    scraper_feed(s, 0, t1, strlen(t1), 10.5);
    scraper_collect(s, st);
    const series *o = find_series(st, "sc_orders_total", "target", "127.0.0.1:9101");
    T_CHECK(o && o->sum == 150, "gauge = last value");
    T_CHECK(o && strcmp(tagset_value(tagset_get(o->tags), "exported_target"), "x") == 0,
            "target label kept as exported_target");
    T_CHECK(o && strcmp(tagset_value(tagset_get(o->tags), "shard"), "a") == 0, "labels as tags");
    const series *r = find_series(st, "sc_orders_total_per_s", "shard", "a");
    T_CHECK(r && fabs(r->sum - 100.0) < 1e-9, "rate from the baseline: %g", r ? r->sum : -1);
    T_CHECK(find_series(st, "sc_depth", "shard", "a") == NULL, "NaN not stored");
    T_CHECK(metric_find("other") < 0, "unselected metric not registered");
    T_CHECK(metric_find("sc_depth_per_s") < 0, "gauges have no rate");

    store_clear(st);
    scraper_collect(s, st);
    T_CHECK(store_len(st) == 0, "no new scrape, nothing added");

    scraper_feed(s, 0, t2, strlen(t2), 11.5);
    scraper_feed(s, 1, t0, strlen(t0), 11.5);
    scraper_collect(s, st);
    r = find_series(st, "sc_orders_total_per_s", "target", "127.0.0.1:9101");
    T_CHECK(r && fabs(r->sum - 20.0) < 1e-9, "reset: increase = new value: %g", r ? r->sum : -1);
    o = find_series(st, "sc_orders_total", "target", "localhost:9102");
    T_CHECK(o && o->sum == 100, "second target, default path, its own host:port");
    r = find_series(st, "sc_orders_total_per_s", "target", "localhost:9102");
    T_CHECK(r == NULL, "no rate on a target's first scrape");
    const series *d = find_series(st, "sc_depth", "target", "localhost:9102");
    T_CHECK(d && d->sum == 5, "gauge");
    store_free(st);
    scraper_free(s);

    T_CHECK(scraper_new(urls, 0, NULL, 0, err, sizeof err) == NULL, "no URL");
    const char *bad[] = {"ftp://x/metrics"};
    T_CHECK(scraper_new(bad, 1, NULL, 0, err, sizeof err) == NULL, "bad URL: %s", err);
    const char *tls[] = {"https://x/metrics"};
    T_CHECK(scraper_new(tls, 1, NULL, 0, err, sizeof err) == NULL && strstr(err, "https"),
            "https: %s", err);
}

int main(void) {
    test_basic();
    test_escapes_and_specials();
    test_histogram_and_summary();
    test_patterns();
    test_hostile();
    test_collect();
    return T_DONE();
}
