/* test_plan_scrape.c — options.scrape in the plan (plan/scrape_options.c): a URL, a list, or
 * {urls, metrics}; errors name the field; --scrape and --scrape-filter replace the script's lists.
 */
#include "plan/plan.h"
#include "t.h"
#include <string.h>

static plan *build(const char *json, const plan_overrides *ov, char *err) {
    cJSON *o = cJSON_Parse(json);
    plan *p = plan_build(o, ov, err, 256);
    cJSON_Delete(o);
    return p;
}

static void test_forms(void) {
    char err[256] = "";
    plan *p = build("{}", NULL, err);
    T_CHECK(p && p->scrape.nurls == 0 && p->scrape.nmetrics == 0, "no scrape: no URL (%s)", err);
    plan_free(p);

    p = build("{\"scrape\":\"http://127.0.0.1:1/metrics\"}", NULL, err);
    T_CHECK(p && p->scrape.nurls == 1 &&
                strcmp(p->scrape.urls[0], "http://127.0.0.1:1/metrics") == 0,
            "a URL (%s)", err);
    plan_free(p);

    p = build("{\"scrape\":[\"http://a/m\",\"http://b/m\"]}", NULL, err);
    T_CHECK(p && p->scrape.nurls == 2 && strcmp(p->scrape.urls[1], "http://b/m") == 0,
            "a list of URLs (%s)", err);
    plan_free(p);

    p = build("{\"scrape\":{\"urls\":[\"http://a/m\"],\"url\":\"http://b/m\",\"metrics\":[\"me_*\","
              "\"x\"]}}",
              NULL, err);
    T_CHECK(p && p->scrape.nurls == 2 && p->scrape.nmetrics == 2 &&
                strcmp(p->scrape.metrics[0], "me_*") == 0,
            "{urls, url, metrics} (%s)", err);
    plan_free(p);

    p = build("{\"scrape\":{}}", NULL, err); /* an empty Lua table */
    T_CHECK(p && p->scrape.nurls == 0, "an empty table: nothing scraped (%s)", err);
    plan_free(p);
}

static void expect_error(const char *json, const char *needle) {
    char err[256] = "";
    plan *p = build(json, NULL, err);
    T_CHECK(p == NULL, "accepted %s", json);
    T_CHECK(strstr(err, needle) != NULL, "error for %s is '%s', wanted '%s'", json, err, needle);
    plan_free(p);
}

static void test_errors(void) {
    expect_error("{\"scrape\":{\"urlz\":\"http://a/m\"}}", "scrape.urlz: unknown key");
    expect_error("{\"scrape\":42}", "scrape.urls: must be a string or a list of strings");
    expect_error("{\"scrape\":{\"metrics\":[\"a\",1]}}",
                 "scrape.metrics: must be a list of strings");
    char big[64 * 12 + 32] = "{\"scrape\":[";
    for (int i = 0; i <= PLAN_SCRAPE_MAX; i++) strcat(big, i ? ",\"http://a\"" : "\"http://a\"");
    strcat(big, "]}");
    expect_error(big, "scrape.urls: too many");
}

static void test_overrides(void) {
    char err[256] = "";
    const char *urls[] = {"http://cli/1", "http://cli/2"}, *pats[] = {"only_*"};
    plan_overrides ov = {.time_scale = 1, .scrape_urls = urls, .nscrape_urls = 2};
    const char *json = "{\"scrape\":{\"urls\":[\"http://script/m\"],\"metrics\":[\"me_*\"]}}";
    plan *p = build(json, &ov, err);
    T_CHECK(p && p->scrape.nurls == 2 && strcmp(p->scrape.urls[0], "http://cli/1") == 0 &&
                p->scrape.nmetrics == 1 && strcmp(p->scrape.metrics[0], "me_*") == 0,
            "--scrape replaces the URLs, keeps the script's metrics (%s)", err);
    plan_free(p);
    ov = (plan_overrides){.time_scale = 1, .scrape_metrics = pats, .nscrape_metrics = 1};
    p = build(json, &ov, err);
    T_CHECK(p && p->scrape.nurls == 1 && strcmp(p->scrape.urls[0], "http://script/m") == 0 &&
                p->scrape.nmetrics == 1 && strcmp(p->scrape.metrics[0], "only_*") == 0,
            "--scrape-filter replaces the metrics, keeps the script's URLs (%s)", err);
    plan_free(p);
    ov = (plan_overrides){.time_scale = 1, .scrape_urls = urls, .nscrape_urls = 1};
    p = build("{}", &ov, err);
    T_CHECK(p && p->scrape.nurls == 1, "--scrape without options.scrape (%s)", err);
    plan_free(p);
}

int main(void) {
    test_forms();
    test_errors();
    test_overrides();
    return T_DONE();
}
