/* test_threshold.c — k6 threshold expressions and metric selectors, and their verdicts over a
 * store: what is defined over no samples is evaluated, what is not is "no data" and fails. */
#include "metrics/evaluate.h"
#include "metrics/threshold.h"
#include "t.h"

#include <math.h>
#include <string.h>

static void test_good_expressions(void) {
    static const struct {
        const char *src;
        agg_kind agg;
        double pct;
        cmp_op op;
        double target;
        const char *name;
    } good[] = {
        {"avg<200", AGG_AVG, 0, OP_LT, 200, "avg"},
        {"min<=1", AGG_MIN, 0, OP_LE, 1, "min"},
        {"max>2.5", AGG_MAX, 0, OP_GT, 2.5, "max"},
        {"med>=0", AGG_MED, 0, OP_GE, 0, "med"},
        {"count==10", AGG_COUNT, 0, OP_EQ, 10, "count"},
        {"count===10", AGG_COUNT, 0, OP_EQ, 10, "count"},
        {"rate!=0.01", AGG_RATE, 0, OP_NE, 0.01, "rate"},
        {"value<-3", AGG_VALUE, 0, OP_LT, -3, "value"},
        {"p(95)<200", AGG_PCT, 95, OP_LT, 200, "p(95)"},
        {"p(99.9) < 1e3", AGG_PCT, 99.9, OP_LT, 1000, "p(99.9)"},
        {"p(0)>=.5", AGG_PCT, 0, OP_GE, 0.5, "p(0)"},
        {"p(100)<=5.", AGG_PCT, 100, OP_LE, 5, "p(100)"},
        {"p(99.99)>+7", AGG_PCT, 99.99, OP_GT, 7, "p(99.99)"},
        {"  p(90)   <   300  ", AGG_PCT, 90, OP_LT, 300, "p(90)"},
        {"\tavg\t>=\t1.5E-2\n", AGG_AVG, 0, OP_GE, 0.015, "avg"},
        {"rate < 0.01", AGG_RATE, 0, OP_LT, 0.01, "rate"},
        {"p(.5)<1", AGG_PCT, 0.5, OP_LT, 1, "p(0.5)"}, /* N is read like Go's ParseFloat, as k6 */
        {"p(5.)<1", AGG_PCT, 5, OP_LT, 1, "p(5)"},
        {"p(1e2)<3", AGG_PCT, 100, OP_LT, 3, "p(100)"},
        /* found by fuzz_threshold: the name k6 prints (%g) must parse back */
        {"p(00000000000000000000000.00000009)>6", AGG_PCT, 9e-8, OP_GT, 6, "p(9e-08)"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        threshold_expr t;
        char err[256] = "", name[32];
        int rc = threshold_parse(good[i].src, &t, err, sizeof err);
        T_CHECK(rc == 0, "\"%s\" rejected: %s", good[i].src, err);
        if (rc) continue;
        T_CHECK(t.agg == good[i].agg && t.op == good[i].op && t.target == good[i].target &&
                    (t.agg != AGG_PCT || t.pct == good[i].pct),
                "\"%s\" parsed wrong: agg %d pct %g op %d target %g", good[i].src, t.agg, t.pct,
                t.op, t.target);
        threshold_agg_name(&t, name, sizeof name);
        T_CHECK(strcmp(name, good[i].name) == 0, "\"%s\": name %s", good[i].src, name);
    }
    T_CHECK(strcmp(threshold_op_name(OP_LT), "<") == 0 &&
                strcmp(threshold_op_name(OP_LE), "<=") == 0 &&
                strcmp(threshold_op_name(OP_GT), ">") == 0 &&
                strcmp(threshold_op_name(OP_GE), ">=") == 0 &&
                strcmp(threshold_op_name(OP_EQ), "==") == 0 &&
                strcmp(threshold_op_name(OP_NE), "!=") == 0,
            "operator names");
    /* Names round trip through the parser. */
    threshold_expr t;
    char err[128], name[32], again[64];
    T_CHECK(threshold_parse("p(12.345)<1", &t, err, sizeof err) == 0, "%s", err);
    snprintf(again, sizeof again, "%s%s1", threshold_agg_name(&t, name, sizeof name),
             threshold_op_name(t.op));
    threshold_expr t2;
    T_CHECK(threshold_parse(again, &t2, err, sizeof err) == 0 && t2.pct == t.pct, "%s", again);
    /* A short buffer truncates instead of overflowing. */
    char tiny[4];
    threshold_agg_name(&t, tiny, sizeof tiny);
    T_CHECK(strcmp(tiny, "p(1") == 0, "truncated name %s", tiny);
}

static void test_bad_expressions(void) {
    static const char *bad[] = {
        "",         "   ",      "p(101)<1", "p(-1)<1",  "p(x)<1",       "p()<1",     "p(95<1",
        "p(95)(<1", "p (95)<1", "p(9 5)<1", "p(+5)<1",  "p(5e)<1",      "avg<",      "avg",
        "<3",       "foo<3",    "avgg<3",   "av<3",     "avg<<3",       "avg=3",     "avg=<3",
        "avg!3",    "avg<>3",   "avg<3 4",  "avg<3x",   "avg<3;",       "avg<1e",    "avg<1e+",
        "avg<.",    "avg<inf",  "avg<nan",  "avg<0x10", "avg<1e999",    "AVG<3",     "p(95)<-",
        "avg<3)",   "p(95)",    "p(1e3)<3", "count",    "rate<0.01 &&", "avg 2 < 3", "avg<3<4",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        threshold_expr t = {.agg = AGG_RATE, .target = 42};
        char err[256] = "";
        int rc = threshold_parse(bad[i], &t, err, sizeof err);
        T_CHECK(rc == -1 && err[0], "\"%s\" accepted", bad[i]);
        T_CHECK(t.agg == AGG_RATE && t.target == 42, "\"%s\": output touched on failure", bad[i]);
    }
    threshold_expr t;
    char err[256] = "";
    T_CHECK(threshold_parse(NULL, &t, err, sizeof err) == -1 && err[0], "NULL accepted");
    T_CHECK(threshold_parse("foo<3", &t, err, sizeof err) == -1 && strstr(err, "foo"),
            "message does not name the aggregation: %s", err);
    T_CHECK(threshold_parse("avg<3 junk", &t, err, sizeof err) == -1 && strstr(err, "junk"),
            "message does not name the trailing text: %s", err);
    T_CHECK(threshold_parse("p(101)<1", &t, err, sizeof err) == -1 && strstr(err, "101"),
            "message does not name the percentile: %s", err);
    T_CHECK(threshold_parse("foo<3", &t, err, 0) == -1, "errlen 0");
    char small[8];
    T_CHECK(threshold_parse("foo<3", &t, small, sizeof small) == -1 && strlen(small) == 7,
            "short err buffer");
}

static void test_holds(void) {
    static const struct {
        cmp_op op;
        double target, observed;
        bool want;
    } cases[] = {
        {OP_LT, 5, 4, true},     {OP_LT, 5, 5, false},   {OP_LT, 5, 6, false},
        {OP_LE, 5, 4, true},     {OP_LE, 5, 5, true},    {OP_LE, 5, 6, false},
        {OP_GT, 5, 4, false},    {OP_GT, 5, 5, false},   {OP_GT, 5, 6, true},
        {OP_GE, 5, 4, false},    {OP_GE, 5, 5, true},    {OP_GE, 5, 6, true},
        {OP_EQ, 5, 4, false},    {OP_EQ, 5, 5, true},    {OP_EQ, 5, 6, false},
        {OP_NE, 5, 4, true},     {OP_NE, 5, 5, false},   {OP_NE, 5, 6, true},
        {OP_LT, 0, -0.0, false}, {OP_EQ, 0, -0.0, true}, {OP_GT, -1, -0.5, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        threshold_expr t = {.agg = AGG_AVG, .op = cases[i].op, .target = cases[i].target};
        T_CHECK(threshold_holds(&t, cases[i].observed) == cases[i].want, "%g %s %g should be %d",
                cases[i].observed, threshold_op_name(cases[i].op), cases[i].target, cases[i].want);
    }
    /* Parsed end to end. */
    threshold_expr t;
    char err[128];
    T_CHECK(threshold_parse("p(95) < 200", &t, err, sizeof err) == 0 &&
                threshold_holds(&t, 199.9) && !threshold_holds(&t, 200),
            "p(95) < 200");
    T_CHECK(threshold_parse("rate<=0.01", &t, err, sizeof err) == 0 && threshold_holds(&t, 0.01) &&
                !threshold_holds(&t, 0.0101),
            "rate<=0.01");
}

static void test_selectors(void) {
    metric_selector s;
    char err[256] = "";
    T_CHECK(selector_parse("http_req_duration", &s, err, sizeof err) == 0 &&
                strcmp(s.name, "http_req_duration") == 0 && s.ntags == 0,
            "plain name: %s", err);
    T_CHECK(selector_parse("http_req_duration{status:200}", &s, err, sizeof err) == 0 &&
                strcmp(s.name, "http_req_duration") == 0 && s.ntags == 1 &&
                strcmp(s.tags[0].key, "status") == 0 && strcmp(s.tags[0].value, "200") == 0,
            "one tag: %s", err);
    T_CHECK(selector_parse(" checks { scenario : my scenario , group:'::login' ,method:\"GET\","
                           "url:'http://x/a,b}c' , e:\"\" } ",
                           &s, err, sizeof err) == 0,
            "several tags: %s", err);
    T_CHECK(strcmp(s.name, "checks") == 0 && s.ntags == 5, "several tags: name %s ntags %d", s.name,
            s.ntags);
    if (s.ntags == 5) {
        T_CHECK(strcmp(s.tags[0].key, "scenario") == 0 &&
                    strcmp(s.tags[0].value, "my scenario") == 0,
                "tag 0: %s=%s", s.tags[0].key, s.tags[0].value);
        T_CHECK(strcmp(s.tags[1].key, "group") == 0 && strcmp(s.tags[1].value, "::login") == 0,
                "tag 1: %s=%s", s.tags[1].key, s.tags[1].value);
        T_CHECK(strcmp(s.tags[2].key, "method") == 0 && strcmp(s.tags[2].value, "GET") == 0,
                "tag 2: %s=%s", s.tags[2].key, s.tags[2].value);
        T_CHECK(strcmp(s.tags[3].key, "url") == 0 && strcmp(s.tags[3].value, "http://x/a,b}c") == 0,
                "tag 3: %s=%s", s.tags[3].key, s.tags[3].value);
        T_CHECK(strcmp(s.tags[4].key, "e") == 0 && s.tags[4].value[0] == 0, "tag 4: %s=%s",
                s.tags[4].key, s.tags[4].value);
    }
    T_CHECK(selector_parse("m{a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8}", &s, err, sizeof err) == 0 &&
                s.ntags == 8 && strcmp(s.tags[7].value, "8") == 0,
            "eight tags: %s", err);
    T_CHECK(selector_parse("m{expected_response:true}", &s, err, sizeof err) == 0 &&
                strcmp(s.tags[0].key, "expected_response") == 0,
            "expected_response: %s", err);

    char longname[200], longkey[200], longval[300];
    memset(longname, 'a', 150), longname[150] = 0;
    snprintf(longkey, sizeof longkey, "m{%.*s:1}", 70, longname);
    snprintf(longval, sizeof longval, "m{k:%.*s}", 140, longname);
    char exact_name[140], exact_val[200];
    snprintf(exact_name, sizeof exact_name, "%.*s", 127, longname);
    snprintf(exact_val, sizeof exact_val, "m{%.*s:%.*s}", 63, longname, 127, longname);
    T_CHECK(selector_parse(exact_name, &s, err, sizeof err) == 0 && strlen(s.name) == 127,
            "127-char name: %s", err);
    T_CHECK(selector_parse(exact_val, &s, err, sizeof err) == 0 && strlen(s.tags[0].key) == 63 &&
                strlen(s.tags[0].value) == 127,
            "longest key and value: %s", err);

    const char *bad[] = {
        "",
        "   ",
        "{a:b}",
        "m{a:b",
        "m{a:b,",
        "m{",
        "m}",
        "m{}",
        "m{:b}",
        "m{ :b}",
        "m{a}",
        "m{a:}",
        "m{a: }",
        "m{a:b,}",
        "m{,a:b}",
        "m{a:b}x",
        "m{a:b}{c:d}",
        "m{a:'b}",
        "m{a:\"b'}",
        "m{a:'b'c}",
        "m{a:b,a:c}",
        "m{a b:c}",
        "m{a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9}",
        "1metric",
        "my-metric",
        "m n",
        "m{a:b{c}",
        longname,
        longkey,
        longval,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        metric_selector out = {.ntags = 42};
        err[0] = 0;
        int rc = selector_parse(bad[i], &out, err, sizeof err);
        T_CHECK(rc == -1 && err[0], "selector \"%.60s\" accepted", bad[i]);
        T_CHECK(out.ntags == 42, "selector \"%.60s\": output touched on failure", bad[i]);
    }
    T_CHECK(selector_parse(NULL, &s, err, sizeof err) == -1, "NULL selector");
    T_CHECK(selector_parse("m{a:1", &s, err, sizeof err) == -1 && strstr(err, "'}'"),
            "unclosed brace message: %s", err);
    T_CHECK(selector_parse(longname, &s, err, sizeof err) == -1 && strstr(err, "longer"),
            "long name message: %s", err);
    T_CHECK(selector_parse("m{a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9}", &s, err, sizeof err) == -1 &&
                strstr(err, "more than 8"),
            "too many tags message: %s", err);
}

/* One threshold "metric: expr" evaluated over st for a run of duration_s seconds. */
static threshold_result verdict_of(const char *metric, const char *expr, const store *st,
                                   double duration_s) {
    threshold_def d = {.metric_src = (char *)metric, .expr_src = (char *)expr};
    char err[256] = "";
    threshold_result r = {.ok = true};
    if (selector_parse(metric, &d.sel, err, sizeof err) ||
        threshold_parse(expr, &d.expr, err, sizeof err)) {
        T_CHECK(0, "%s: '%s': %s", metric, expr, err);
        return r;
    }
    T_CHECK(thresholds_evaluate(&d, 1, st, duration_s, &r) == !r.ok, "%s '%s': failed count",
            metric, expr);
    return r;
}

static uint32_t scenario_tags(tag_cache *c, const char *scenario) {
    tag_builder b = {0};
    tags_put(&b, "scenario", scenario);
    return tagset_intern(c, &b);
}

/* A threshold that cannot be computed fails with the reason ("no data"); k6 passes it. */
static void test_no_data(void) {
    store *st = store_new();
    tag_cache *c = tag_cache_new();
    /* a run that sent nothing */
    static const struct {
        const char *metric, *expr;
        threshold_data why;
    } none[] = {
        {"http_req_duration", "p(99)<200", THRESHOLD_NO_SAMPLES},
        {"http_req_duration", "avg<200", THRESHOLD_NO_SAMPLES},
        {"http_req_duration", "min<200", THRESHOLD_NO_SAMPLES},
        {"http_req_duration", "max<200", THRESHOLD_NO_SAMPLES},
        {"http_req_duration", "med<200", THRESHOLD_NO_SAMPLES},
        {"http_req_failed", "rate<0.01", THRESHOLD_NO_SAMPLES}, /* 0/0 */
        {"checks", "rate>0.99", THRESHOLD_NO_SAMPLES},
        {"vus", "value<10", THRESHOLD_NO_SAMPLES},
        {"vus_max", "max<10", THRESHOLD_NO_SAMPLES},
        {"http_req_duration{scenario:shalow}", "p(95)<100", THRESHOLD_NO_SERIES},
        {"http_req_failed{scenario:shalow}", "rate<0.01", THRESHOLD_NO_SERIES},
        {"no_such_metric", "count<100", THRESHOLD_NO_METRIC},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        threshold_result r = verdict_of(none[i].metric, none[i].expr, st, 10);
        T_CHECK(!r.ok && r.no_data && r.why == none[i].why && !r.has_data && isnan(r.observed),
                "%s '%s' over nothing: ok %d no_data %d why %d observed %g", none[i].metric,
                none[i].expr, r.ok, r.no_data, r.why, r.observed);
        T_CHECK(!threshold_crossed(&r), "%s '%s': no data is not crossed (abortOnFail waits)",
                none[i].metric, none[i].expr);
        T_CHECK(strlen(threshold_no_data_reason(&r)) > 0, "%s: a reason", none[i].metric);
    }
    /* defined over nothing: the count of nothing is 0, a counter's rate over 10 s is 0/s */
    threshold_result r = verdict_of("http_reqs", "count>100", st, 10);
    T_CHECK(!r.ok && !r.no_data && r.observed == 0 && threshold_crossed(&r),
            "count>100 of no request: computed, fails (ok %d no_data %d observed %g)", r.ok,
            r.no_data, r.observed);
    r = verdict_of("http_reqs", "count<100", st, 10);
    T_CHECK(r.ok && !r.no_data && r.observed == 0, "count<100 of no request holds");
    r = verdict_of("http_req_duration", "count<1", st, 10);
    T_CHECK(r.ok && !r.no_data, "a trend's count of nothing is 0");
    r = verdict_of("http_req_failed", "count>=1", st, 10);
    T_CHECK(!r.ok && !r.no_data && r.observed == 0, "a rate metric's count of nothing is 0");
    r = verdict_of("http_reqs", "rate<5", st, 10);
    T_CHECK(r.ok && !r.no_data && r.observed == 0, "a counter's rate over 10 s of nothing: 0/s");
    r = verdict_of("http_reqs", "rate<5", st, 0);
    T_CHECK(!r.ok && r.no_data, "a counter's rate over no time is no data");
    T_CHECK(strcmp(threshold_no_data_reason(&(threshold_result){.ok = true}), "") == 0,
            "no reason when computed");

    /* samples in scenario "shallow" only */
    uint32_t shallow = scenario_tags(c, "shallow");
    for (int i = 1; i <= 100; i++) store_add(st, M_HTTP_REQ_DURATION, shallow, i);
    store_add(st, M_HTTP_REQS, shallow, 1);
    store_add(st, M_HTTP_REQ_FAILED, shallow, 0);
    r = verdict_of("http_req_duration{scenario:shallow}", "p(99)<200", st, 10);
    T_CHECK(r.ok && !r.no_data && r.has_data && fabs(r.observed - 99) < 0.2,
            "the selector that matches: p(99) %g", r.observed);
    r = verdict_of("http_req_duration", "p(99)<50", st, 10);
    T_CHECK(!r.ok && !r.no_data && threshold_crossed(&r), "computed and failing is crossed");
    r = verdict_of("http_req_failed", "rate<0.01", st, 10);
    T_CHECK(r.ok && !r.no_data && r.observed == 0, "rate 0 of 1 sample holds");
    /* a typo in the selector: no series, so no data for anything but a count */
    static const char *typo_exprs[] = {"p(99)<200", "avg<1e9", "med<1e9", "max<1e9", "min>=0"};
    for (size_t i = 0; i < sizeof typo_exprs / sizeof typo_exprs[0]; i++) {
        r = verdict_of("http_req_duration{scenario:shalow}", typo_exprs[i], st, 10);
        T_CHECK(!r.ok && r.no_data && r.why == THRESHOLD_NO_SERIES && !threshold_crossed(&r) &&
                    r.series_matched == 0,
                "{scenario:shalow} '%s': ok %d no_data %d why %d", typo_exprs[i], r.ok, r.no_data,
                r.why);
    }
    r = verdict_of("http_req_failed{scenario:shalow}", "rate<0.01", st, 10);
    T_CHECK(!r.ok && r.no_data && r.why == THRESHOLD_NO_SERIES, "a rate over a typo: no data");
    /* the count of what matches nothing is 0: upper bounds hold, lower bounds fail */
    r = verdict_of("http_reqs{scenario:shalow}", "count>100", st, 10);
    T_CHECK(!r.ok && !r.no_data && r.observed == 0 && r.series_matched == 0,
            "count>100 over a typo: computed 0, fails");
    r = verdict_of("http_reqs{status:500}", "count<1", st, 10);
    T_CHECK(r.ok && !r.no_data && r.observed == 0, "no 500 at all: count<1 holds");
    r = verdict_of("http_req_duration{scenario:shallow}", "count==100", st, 10);
    T_CHECK(r.ok && r.series_matched == 1, "one series matched");
    r = verdict_of("http_req_duration{scenario:shallow,status:200}", "p(99)<200", st, 10);
    T_CHECK(!r.ok && r.no_data && r.why == THRESHOLD_NO_SERIES, "a tag the series lack");
    /* several thresholds: the count failed includes no data */
    threshold_def defs[2] = {{.metric_src = "http_req_duration", .expr_src = "p(99)<200"},
                             {.metric_src = "vus", .expr_src = "value<10"}};
    char err[128];
    selector_parse(defs[0].metric_src, &defs[0].sel, err, sizeof err);
    threshold_parse(defs[0].expr_src, &defs[0].expr, err, sizeof err);
    selector_parse(defs[1].metric_src, &defs[1].sel, err, sizeof err);
    threshold_parse(defs[1].expr_src, &defs[1].expr, err, sizeof err);
    threshold_result out[2];
    T_CHECK(thresholds_evaluate(defs, 2, st, 10, out) == 1 && out[0].ok && out[1].no_data,
            "one of two failed (no data)");
    tag_cache_free(c);
    store_free(st);
}

int main(void) {
    metrics_init();
    test_no_data();
    test_good_expressions();
    test_bad_expressions();
    test_holds();
    test_selectors();
    return T_DONE();
}
